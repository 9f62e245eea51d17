/**
 * The wishlist as the browser sees it (client-only module state shared by every WishlistButton).
 * A guest's list lives in localStorage; once the server says the shopper is signed in, the guest
 * list is merged into the account (`syncWishlist`: GET then PUT the union), cleared locally, and the
 * account's list is the source of truth. Changes are optimistic and rolled back on error.
 */
import { setWishlistItem, syncWishlist, type WishlistResult } from "./actions";
import { readGuestWishlist, toggleEntry, toggleSlug, writeGuestWishlist, WISHLIST_EVENT, WISHLIST_KEY, type WishlistEntry } from "./storage";

export interface WishlistSnapshot {
  status: "loading" | "guest" | "account";
  slugs: readonly string[];
}

const LOADING: WishlistSnapshot = { status: "loading", slugs: [] };
/** How long a loaded state is trusted before a newly mounted button asks the server again. */
const FRESH_MS = 15_000;

let snapshot: WishlistSnapshot = LOADING;
let loadedAt = 0;
let inflight: Promise<void> | null = null;
const listeners = new Set<() => void>();

function set(next: WishlistSnapshot): void {
  snapshot = next;
  for (const listener of listeners) listener();
}

function guestSnapshot(): WishlistSnapshot {
  return { status: "guest", slugs: readGuestWishlist().map((e) => e.slug) };
}

function apply(result: WishlistResult): void {
  if (!result.signedIn) set(guestSnapshot());
  else if ("items" in result) set({ status: "account", slugs: result.items });
}

/** Ask the server who is signed in; merge and clear the guest list when it is a customer. */
export function loadWishlist(force = false): Promise<void> {
  if (inflight) return inflight;
  if (!force && snapshot !== LOADING && Date.now() - loadedAt < FRESH_MS) return Promise.resolve();
  const guest = readGuestWishlist();
  inflight = syncWishlist(guest.map((e) => e.slug))
    .then((result) => {
      if (result.signedIn && "items" in result && guest.length) writeGuestWishlist([]);
      if (result.signedIn && "error" in result && snapshot.status === "loading") set(guestSnapshot());
      apply(result);
      loadedAt = Date.now();
    })
    .catch(() => {
      if (snapshot.status === "loading") set(guestSnapshot());
    })
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

/** Forget what we know (called on sign-in and sign-out so the next mount asks again). */
export function invalidateWishlist(): void {
  loadedAt = 0;
  snapshot = LOADING;
}

/** Add or remove a product. Resolves to an error message, or null on success. */
export async function toggleWishlist(entry: WishlistEntry, on: boolean): Promise<string | null> {
  if (snapshot.status !== "account") {
    writeGuestWishlist(toggleEntry(readGuestWishlist(), entry, on));
    set(guestSnapshot());
    return null;
  }
  const before = snapshot;
  set({ status: "account", slugs: toggleSlug([...before.slugs], entry.slug, on) });
  try {
    const result = await setWishlistItem(entry.slug, on);
    if (!result.signedIn) {
      // the session ended meanwhile: keep the choice as a guest
      writeGuestWishlist(toggleEntry(readGuestWishlist(), entry, on));
      set(guestSnapshot());
      return null;
    }
    if ("error" in result) {
      set(before);
      return result.error;
    }
    set({ status: "account", slugs: result.items });
    return null;
  } catch {
    set(before);
    return "Your wishlist could not be saved. Check your connection and try again.";
  }
}

export function getWishlistSnapshot(): WishlistSnapshot {
  return snapshot;
}

export function getServerWishlistSnapshot(): WishlistSnapshot {
  return LOADING;
}

export function subscribeWishlist(listener: () => void): () => void {
  listeners.add(listener);
  const onGuestChange = () => {
    if (snapshot.status === "guest") set(guestSnapshot());
  };
  const onStorage = (e: StorageEvent) => {
    if (e.key === null || e.key === WISHLIST_KEY) onGuestChange();
  };
  window.addEventListener(WISHLIST_EVENT, onGuestChange);
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener(WISHLIST_EVENT, onGuestChange);
    window.removeEventListener("storage", onStorage);
  };
}
