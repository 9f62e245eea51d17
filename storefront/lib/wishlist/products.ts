/**
 * Product tiles for the wishlist page and the "Recently viewed" strip, looked up by slug through
 * the cached catalog client (tagged per product, so revalidation refreshes them). Server-only.
 */
import "server-only";
import { catalogApi } from "@/lib/api/client";
import { cacheTags } from "@/lib/api/cache-tags";
import { formatPriceRange } from "@/lib/format/money";
import { isItemRef } from "./storage";

/** What the browser needs to show a saved or recently viewed product (no API shapes leak). */
export interface ProductTile {
  id: string;
  slug: string;
  title: string;
  price: string;
  in_stock: boolean;
  image: { url: string; alt: string } | null;
}

async function tile(slug: string): Promise<ProductTile | null> {
  try {
    const { data } = await catalogApi({ tags: [cacheTags.catalog, cacheTags.product(slug)] }).GET("/api/v1/products/{slug}", {
      params: { path: { slug } },
    });
    if (!data) return null;
    const image = data.images[0];
    return {
      id: data.id,
      slug: data.slug,
      title: data.title,
      price: formatPriceRange(data.price, data.price_max),
      in_stock: data.in_stock,
      image: image ? { url: image.url, alt: image.alt || data.title } : null,
    };
  } catch {
    return null;
  }
}

/** Tiles in the given order; unknown or unpublished products are left out. */
export async function productTiles(slugs: readonly string[], max = 200): Promise<ProductTile[]> {
  const wanted = [...new Set(slugs.filter(isItemRef))].slice(0, max);
  const tiles = await Promise.all(wanted.map(tile));
  return tiles.filter((t): t is ProductTile => t !== null);
}
