"use server";
/**
 * The signed-in customer's wishlist (`/api/v1/me/wishlist`, product slugs). Called by the client
 * store in lib/wishlist/store.ts; a guest gets `{ signedIn: false }` and keeps using localStorage.
 */
import { sessionApi } from "@/lib/session/api";
import { productTiles, type ProductTile } from "./products";
import { isItemRef, mergeWishlists, toggleSlug, unknownItems } from "./storage";

export type WishlistResult = { signedIn: false } | { signedIn: true; items: string[] } | { signedIn: true; error: string };

async function current(): Promise<{ api: Awaited<ReturnType<typeof sessionApi>>; items: string[] } | null> {
  const api = await sessionApi();
  const { data, response } = await api.GET("/api/v1/me/wishlist");
  if (response.status === 401) return null;
  if (!data) throw new Error(`wishlist read failed: ${response.status}`);
  return { api, items: data.items };
}

/**
 * PUT the list. The API refuses an added item that is no published product (422 `unknown_product`,
 * naming them): with `dropUnknown` (merging a guest list) those are left out and the rest is saved.
 */
async function replace(api: Awaited<ReturnType<typeof sessionApi>>, items: string[], dropUnknown = false): Promise<WishlistResult> {
  const { data, error, response } = await api.PUT("/api/v1/me/wishlist", { body: { items } });
  if (response.status === 401) return { signedIn: false };
  if (!data) {
    const unknown = unknownItems(response.status, error);
    if (dropUnknown && unknown.length) return replace(api, items.filter((item) => !unknown.includes(item)));
    if (unknown.length) return { signedIn: true, error: "This product is no longer available." };
    return { signedIn: true, error: "Your wishlist could not be saved. Please try again." };
  }
  return { signedIn: true, items: data.items };
}

/** After sign-in: the union of the account's list and the guest's (GET, then PUT when it grows). */
export async function syncWishlist(guestSlugs: string[]): Promise<WishlistResult> {
  try {
    const state = await current();
    if (!state) return { signedIn: false };
    const guest = Array.isArray(guestSlugs) ? guestSlugs.filter(isItemRef) : [];
    const merged = mergeWishlists(state.items, guest);
    if (merged.length === state.items.length) return { signedIn: true, items: state.items };
    return await replace(state.api, merged, true);
  } catch {
    return { signedIn: true, error: "Your wishlist could not be loaded. Please try again." };
  }
}

/** Add (`on`) or remove one product slug. */
export async function setWishlistItem(slug: string, on: boolean): Promise<WishlistResult> {
  if (!isItemRef(slug)) return { signedIn: true, error: "This product cannot be saved." };
  try {
    const state = await current();
    if (!state) return { signedIn: false };
    return await replace(state.api, toggleSlug(state.items, slug, on === true));
  } catch {
    return { signedIn: true, error: "Your wishlist could not be saved. Please try again." };
  }
}

/** At most this many products per lookup (each is a catalog read, cached per product). */
const MAX_LOOKUP = 60;

/** Tiles for the "Recently viewed" strip and the guest wishlist (public catalog data). */
export async function lookupProducts(slugs: string[]): Promise<ProductTile[]> {
  if (!Array.isArray(slugs)) return [];
  return productTiles(slugs.filter(isItemRef).slice(0, MAX_LOOKUP));
}
