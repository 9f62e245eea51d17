/** Search suggestions (pure): the shape the header combobox receives from /api/search/suggest. */
import type { ProductSummary } from "@/lib/api/types";
import { formatPriceRange } from "@/lib/format/money";

export interface Suggestion {
  slug: string;
  title: string;
  brand: string;
  price: string;
  image: string | null;
}

export const SUGGEST_MIN_CHARS = 2;
export const SUGGEST_LIMIT = 6;

/** The query worth asking about, or null (too short, too long once trimmed is cut to 200). */
export function suggestQuery(raw: string | null | undefined): string | null {
  const q = (raw ?? "").trim().replace(/\s+/g, " ").slice(0, 200);
  return q.length >= SUGGEST_MIN_CHARS ? q : null;
}

export function toSuggestion(p: ProductSummary): Suggestion {
  return { slug: p.slug, title: p.title, brand: p.brand, price: formatPriceRange(p.price, p.price_max), image: p.image?.url ?? null };
}
