"use client";
import { useEffect, useState } from "react";
import { readRecentlyViewed, RECENTLY_VIEWED_EVENT } from "@/lib/recently-viewed";
import { lookupProducts } from "@/lib/wishlist/actions";
import type { ProductTile } from "@/lib/wishlist/products";
import { ProductTileList } from "./product-tile-list";

/**
 * "Recently viewed" strip from localStorage (renders nothing until there is something to show).
 * `exclude` leaves out the product the page is about.
 */
export function RecentlyViewed({ exclude, max = 8 }: { exclude?: string; max?: number }) {
  const [tiles, setTiles] = useState<ProductTile[]>([]);
  useEffect(() => {
    let cancelled = false;
    const load = () => {
      const slugs = readRecentlyViewed().filter((s) => s !== exclude).slice(0, max);
      if (!slugs.length) {
        setTiles([]);
        return;
      }
      lookupProducts(slugs)
        .then((found) => {
          if (!cancelled) setTiles(found);
        })
        .catch(() => {
          // offline: the strip is optional
        });
    };
    load();
    window.addEventListener(RECENTLY_VIEWED_EVENT, load);
    return () => {
      cancelled = true;
      window.removeEventListener(RECENTLY_VIEWED_EVENT, load);
    };
  }, [exclude, max]);
  if (!tiles.length) return null;
  return (
    <section aria-labelledby="recently-viewed-heading" className="mt-10">
      <h2 id="recently-viewed-heading" className="mb-4 text-lg font-semibold">
        Recently viewed
      </h2>
      <ProductTileList tiles={tiles} label="Recently viewed products" />
    </section>
  );
}
