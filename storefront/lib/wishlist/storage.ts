/**
 * The guest wishlist in localStorage (`mercato.wishlist`): product slugs with the name shown in the
 * list, newest first. Signed-in customers keep their wishlist in the account (`/api/v1/me/wishlist`,
 * slugs too); after sign-in the guest list is merged into the account's and cleared here.
 * Pure parse/merge helpers are unit-tested; the storage functions are no-ops on the server.
 */

export const WISHLIST_KEY = "mercato.wishlist";
export const WISHLIST_EVENT = "mercato:wishlist";
/** The API's limits: at most 200 items, each `^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`. */
export const MAX_WISHLIST_ITEMS = 200;
const ITEM_REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface WishlistEntry {
  slug: string;
  name: string;
}

export function isItemRef(value: unknown): value is string {
  return typeof value === "string" && ITEM_REF.test(value);
}

/** Parse the stored value; malformed entries are dropped, duplicates keep their first place. */
export function parseWishlist(raw: string | null | undefined): WishlistEntry[] {
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const seen = new Set<string>();
  const out: WishlistEntry[] = [];
  for (const item of value) {
    if (!item || typeof item !== "object") continue;
    const { slug, name } = item as Record<string, unknown>;
    if (!isItemRef(slug) || seen.has(slug)) continue;
    seen.add(slug);
    out.push({ slug, name: typeof name === "string" ? name.slice(0, 200) : slug });
    if (out.length >= MAX_WISHLIST_ITEMS) break;
  }
  return out;
}

export function serializeWishlist(entries: WishlistEntry[]): string {
  return JSON.stringify(entries.slice(0, MAX_WISHLIST_ITEMS).map(({ slug, name }) => ({ slug, name })));
}

/** Add (to the front) or remove an entry. */
export function toggleEntry(entries: WishlistEntry[], entry: WishlistEntry, on: boolean): WishlistEntry[] {
  const rest = entries.filter((e) => e.slug !== entry.slug);
  return on ? [entry, ...rest].slice(0, MAX_WISHLIST_ITEMS) : rest;
}

/** Add or remove a slug in the account's list (newest first), within the API's limits. */
export function toggleSlug(items: string[], slug: string, on: boolean): string[] {
  const rest = items.filter((s) => s !== slug);
  return on ? [slug, ...rest].slice(0, MAX_WISHLIST_ITEMS) : rest;
}

/**
 * The union sent to `PUT /me/wishlist` after sign-in: the account's items in their order, then the
 * guest's items it lacks; invalid refs dropped, capped at the API's maximum (account items first).
 */
export function mergeWishlists(account: readonly string[], guest: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const slug of [...account, ...guest]) {
    if (!isItemRef(slug) || seen.has(slug)) continue;
    seen.add(slug);
    out.push(slug);
    if (out.length >= MAX_WISHLIST_ITEMS) break;
  }
  return out;
}

/**
 * The items a `422 unknown_product` answer names: added items that are no published product (a
 * product unpublished since a guest saved it). Anything else names none.
 */
export function unknownItems(status: number, problem: unknown): string[] {
  if (status !== 422 || !problem || typeof problem !== "object") return [];
  const { code, items } = problem as Record<string, unknown>;
  if (code !== "unknown_product" || !Array.isArray(items)) return [];
  return items.filter(isItemRef);
}

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null;
  }
}

export function readGuestWishlist(): WishlistEntry[] {
  return parseWishlist(storage()?.getItem(WISHLIST_KEY));
}

export function writeGuestWishlist(entries: WishlistEntry[]): void {
  const s = storage();
  if (!s) return;
  if (entries.length) s.setItem(WISHLIST_KEY, serializeWishlist(entries));
  else s.removeItem(WISHLIST_KEY);
  window.dispatchEvent(new Event(WISHLIST_EVENT));
}
