/**
 * Recently viewed products in localStorage (`mercato.recently-viewed`): slugs, newest first, at
 * most 12. `recordRecentlyViewed(slug)` is called by `<RecordView slug>` on the product page; the
 * "Recently viewed" strip reads them. Pure helpers are unit-tested; storage is a no-op on the server.
 */

export const RECENTLY_VIEWED_KEY = "mercato.recently-viewed";
export const RECENTLY_VIEWED_EVENT = "mercato:recently-viewed";
export const MAX_RECENTLY_VIEWED = 12;
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function parseRecentlyViewed(raw: string | null | undefined): string[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    const out: string[] = [];
    for (const slug of value) {
      if (typeof slug === "string" && SLUG.test(slug) && !out.includes(slug)) out.push(slug);
      if (out.length >= MAX_RECENTLY_VIEWED) break;
    }
    return out;
  } catch {
    return [];
  }
}

/** Put `slug` first, drop its older place, keep the newest `max`. */
export function pushRecentlyViewed(list: readonly string[], slug: string, max = MAX_RECENTLY_VIEWED): string[] {
  if (!SLUG.test(slug)) return [...list];
  return [slug, ...list.filter((s) => s !== slug)].slice(0, max);
}

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null;
  }
}

export function readRecentlyViewed(): string[] {
  return parseRecentlyViewed(storage()?.getItem(RECENTLY_VIEWED_KEY));
}

/** Remember that the shopper looked at a product (client side only). */
export function recordRecentlyViewed(slug: string): void {
  const s = storage();
  if (!s) return;
  const next = pushRecentlyViewed(readRecentlyViewed(), slug);
  s.setItem(RECENTLY_VIEWED_KEY, JSON.stringify(next));
  window.dispatchEvent(new Event(RECENTLY_VIEWED_EVENT));
}
