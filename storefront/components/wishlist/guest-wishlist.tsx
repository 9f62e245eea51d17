"use client";
import { useEffect, useState } from "react";
import { lookupProducts } from "@/lib/wishlist/actions";
import type { ProductTile } from "@/lib/wishlist/products";
import { readGuestWishlist } from "@/lib/wishlist/storage";
import { ProductTileList } from "./product-tile-list";
import { useWishlist } from "./use-wishlist";
import Link from "@/components/ui/page-link";

/** A guest's wishlist from localStorage, with a prompt to sign in and keep it. */
export function GuestWishlist() {
  const wishlist = useWishlist();
  const [tiles, setTiles] = useState<ProductTile[] | null>(null);
  const key = wishlist.slugs.join(",");
  useEffect(() => {
    if (wishlist.status === "loading") return;
    const slugs = readGuestWishlist().map((e) => e.slug);
    let cancelled = false;
    (slugs.length ? lookupProducts(slugs) : Promise.resolve([]))
      .then((found) => {
        if (!cancelled) setTiles((prev) => (prev && prev.length > found.length ? prev : found));
      })
      .catch(() => {
        if (!cancelled) setTiles([]);
      });
    return () => {
      cancelled = true;
    };
    // the tiles stay after removal so the shopper can undo; `key` reloads on additions
  }, [key, wishlist.status]);
  if (tiles === null) return <p aria-busy="true">Loading your wishlist…</p>;
  return (
    <div className="space-y-6">
      <p className="rounded-md border border-brand-600/30 bg-brand-50 px-4 py-3 text-sm">
        Your wishlist is saved in this browser.{" "}
        <Link href="/account/sign-in?next=/account/wishlist" className="font-medium text-brand-700 underline">
          Sign in
        </Link>{" "}
        or{" "}
        <Link href="/account/register?next=/account/wishlist" className="font-medium text-brand-700 underline">
          create an account
        </Link>{" "}
        to keep it on every device.
      </p>
      {tiles.length ? <ProductTileList tiles={tiles} label="Saved products" /> : <p>Your wishlist is empty. Tap “Add to wishlist” on a product to save it here.</p>}
    </div>
  );
}
