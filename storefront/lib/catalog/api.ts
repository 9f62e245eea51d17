/**
 * Server-side catalog reads for the shop's pages, cached in Next's data cache under tags from
 * lib/api/cache-tags.ts (the API's outbox handler revalidates them on product, stock and price
 * changes). An unreachable API yields `null` (the page shows a notice), a 404 yields "not found".
 */
import "server-only";
import { cache } from "react";
import { catalogApi } from "@/lib/api/client";
import { cacheTags } from "@/lib/api/cache-tags";
import type { CategoryNode, ProductPage, ProductRead, ProductSummary, Schema } from "@/lib/api/types";
import type { ListingState } from "@/lib/url/search-params";

export type CollectionRead = Schema<"CollectionRead">;
export const PAGE_SIZE = 24;
const SORTS = ["relevance", "price_asc", "price_desc", "newest", "name"] as const;
type Sort = (typeof SORTS)[number];

function sortParam(sort: string | undefined): Sort | undefined {
  return (SORTS as readonly string[]).includes(sort ?? "") ? (sort as Sort) : undefined;
}

export type Result<T> = { ok: true; data: T } | { ok: false; status: number };

async function attempt<T>(run: () => Promise<{ data?: T; response: Response }>): Promise<Result<T>> {
  try {
    const { data, response } = await run();
    return data !== undefined ? { ok: true, data } : { ok: false, status: response.status };
  } catch {
    return { ok: false, status: 503 };
  }
}

/** A listing page with facets: filters come from the URL state (names are the API's). */
export async function listProducts(state: ListingState, fixed: { category?: string; collection?: string } = {}): Promise<Result<ProductPage>> {
  const tags: string[] = [cacheTags.catalog, cacheTags.products];
  if (fixed.category) tags.push(cacheTags.category(fixed.category));
  if (fixed.collection) tags.push(cacheTags.collection(fixed.collection));
  const api = catalogApi({ tags });
  const query = {
    q: state.q,
    as_typed: state.q ? state.as_typed : undefined,
    category: fixed.category ?? state.category,
    collection: fixed.collection ?? state.collection,
    option: state.option.length ? state.option : undefined,
    price_min: state.price_min,
    price_max: state.price_max,
    in_stock: state.in_stock,
    sort: sortParam(state.sort),
    cursor: state.cursor,
    limit: PAGE_SIZE,
    facets: true,
  };
  return attempt(() => api.GET("/api/v1/products", { params: { query } }));
}

/**
 * The page a listing shows: the API's page; an empty one when the API refused the filters (a
 * hand-edited URL: the view offers "Clear filters"); null when the API is unreachable.
 */
export function listingPage(result: Result<ProductPage>): ProductPage | null {
  if (result.ok) return result.data;
  return result.status >= 400 && result.status < 500 ? { items: [], next_cursor: null } : null;
}

/** A few products for the home page or suggestions (no facets). */
export async function someProducts(query: { sort?: Sort; limit: number; q?: string; collection?: string }): Promise<ProductSummary[]> {
  const api = catalogApi({ tags: [cacheTags.catalog, cacheTags.products] });
  const result = await attempt(() => api.GET("/api/v1/products", { params: { query } }));
  return result.ok ? result.data.items : [];
}

export const getProduct = cache(async (slug: string): Promise<Result<ProductRead>> => {
  const api = catalogApi({ tags: [cacheTags.catalog, cacheTags.products, cacheTags.product(slug)] });
  return attempt(() => api.GET("/api/v1/products/{slug}", { params: { path: { slug } } }));
});

export const getCollection = cache(async (slug: string, limit = PAGE_SIZE): Promise<Result<CollectionRead>> => {
  const api = catalogApi({ tags: [cacheTags.catalog, cacheTags.products, cacheTags.collection(slug)] });
  return attempt(() => api.GET("/api/v1/collections/{slug}", { params: { path: { slug }, query: { limit } } }));
});

export const getCategoryTree = cache(async (): Promise<CategoryNode[] | null> => {
  const api = catalogApi({ tags: [cacheTags.catalog, cacheTags.categories] });
  const result = await attempt(() => api.GET("/api/v1/categories"));
  return result.ok ? result.data.items : null;
});

/** The node with `slug` and its ancestors (root first), or null. */
export function findCategory(tree: CategoryNode[], slug: string, trail: CategoryNode[] = []): { node: CategoryNode; trail: CategoryNode[] } | null {
  for (const node of tree) {
    if (node.slug === slug) return { node, trail };
    const found = findCategory(node.children ?? [], slug, [...trail, node]);
    if (found) return found;
  }
  return null;
}

export function flattenCategories(nodes: CategoryNode[]): CategoryNode[] {
  return nodes.flatMap((n) => [n, ...flattenCategories(n.children ?? [])]);
}

/** Collections shown on the home page and in the sitemap (MERCATO_FEATURED_COLLECTIONS, comma-separated slugs). */
export function featuredCollectionSlugs(): string[] {
  const raw = process.env.MERCATO_FEATURED_COLLECTIONS ?? "new-in,bestsellers,sale";
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s))
    .slice(0, 12);
}
