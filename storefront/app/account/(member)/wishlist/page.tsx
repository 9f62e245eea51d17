import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { GuestWishlist } from "@/components/wishlist/guest-wishlist";
import { ProductTileList } from "@/components/wishlist/product-tile-list";
import { RecentlyViewed } from "@/components/wishlist/recently-viewed";
import { sessionApi } from "@/lib/session/api";
import { getSession } from "@/lib/session/session";
import { productTiles } from "@/lib/wishlist/products";

export const metadata: Metadata = { title: "Wishlist", robots: { index: false }, alternates: { canonical: "/account/wishlist" } };

/** A customer's saved products from the account; a guest's from this browser's localStorage. */
export default async function WishlistPage() {
  const session = await getSession();
  if (!session) {
    return (
      <div className="space-y-6">
        <h1 className="text-2xl font-bold">Wishlist</h1>
        <GuestWishlist />
        <RecentlyViewed />
      </div>
    );
  }
  const api = await sessionApi();
  const { data, error } = await api.GET("/api/v1/me/wishlist");
  const tiles = data ? await productTiles(data.items) : [];
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Wishlist</h1>
      {error ? (
        <p role="alert" className="text-red-700">
          Your wishlist could not be loaded. Please reload the page.
        </p>
      ) : tiles.length ? (
        <ProductTileList tiles={tiles} label="Saved products" />
      ) : (
        <p className="text-muted">
          Your wishlist is empty. Tap “Add to wishlist” on a product to save it here.{" "}
          <Link href="/" className="text-brand-700 underline">
            Browse the shop
          </Link>
        </p>
      )}
      <RecentlyViewed />
    </div>
  );
}
