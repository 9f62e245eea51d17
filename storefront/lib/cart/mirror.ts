/**
 * The cart mirror in localStorage: the cart id and item count, written after every cart change so
 * the header badge shows the count instantly and a cart can be re-adopted when its cookie is lost.
 * The cookie (httpOnly, set by the server) stays the source of truth. Pure parse/serialise helpers
 * are unit-tested; the storage functions are no-ops on the server.
 */

export const CART_MIRROR_KEY = "mercato.cart";
/** Dispatched on window after every write so badges in the same tab update. */
export const CART_MIRROR_EVENT = "mercato:cart";

export interface CartMirror {
  id: string;
  count: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isCartId(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/**
 * What the header's badge counts: the items of an open cart only. A checked-out cart (ordered,
 * payment pending) stays in its cookie for a retry, but the cart page shows it as empty.
 */
export function badgeCount(cart: { status: string; item_count: number } | null | undefined): number {
  return cart && cart.status === "open" ? cart.item_count : 0;
}

/** Parse the stored value; anything malformed is treated as no cart. */
export function parseCartMirror(raw: string | null | undefined): CartMirror | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (!value || typeof value !== "object") return null;
    const { id, count } = value as Record<string, unknown>;
    if (!isCartId(id)) return null;
    const n = typeof count === "number" && Number.isFinite(count) ? Math.max(0, Math.floor(count)) : 0;
    return { id: id.toLowerCase(), count: n };
  } catch {
    return null;
  }
}

export function serializeCartMirror(mirror: CartMirror): string {
  return JSON.stringify({ id: mirror.id, count: Math.max(0, Math.floor(mirror.count)) });
}

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage disabled (privacy mode): the badge falls back to the server count
  }
}

export function readCartMirror(): CartMirror | null {
  return parseCartMirror(storage()?.getItem(CART_MIRROR_KEY));
}

export function writeCartMirror(mirror: CartMirror | null): void {
  const s = storage();
  if (!s) return;
  const next = mirror ? serializeCartMirror(mirror) : null;
  if (s.getItem(CART_MIRROR_KEY) === next) return;
  if (next) s.setItem(CART_MIRROR_KEY, next);
  else s.removeItem(CART_MIRROR_KEY);
  window.dispatchEvent(new Event(CART_MIRROR_EVENT));
}

/** Subscribe to mirror changes from this tab (custom event) and others (storage event). */
export function subscribeCartMirror(onChange: () => void): () => void {
  if (typeof window === "undefined") return () => {};
  const onStorage = (e: StorageEvent) => {
    if (e.key === null || e.key === CART_MIRROR_KEY) onChange();
  };
  window.addEventListener(CART_MIRROR_EVENT, onChange);
  window.addEventListener("storage", onStorage);
  return () => {
    window.removeEventListener(CART_MIRROR_EVENT, onChange);
    window.removeEventListener("storage", onStorage);
  };
}
