"use client";
import { useState, useTransition } from "react";
import { toggleWishlist } from "@/lib/wishlist/store";
import { useWishlist } from "./use-wishlist";
import { trackChange } from "@/lib/navigation/pending-changes";

export interface WishlistButtonProps {
  productId: string;
  productSlug: string;
  productName: string;
  /** In a list of products: the accessible name says which ("Remove Linen Shirt from wishlist"). */
  named?: boolean;
}

/**
 * A toggle (aria-pressed) that saves a product to the wishlist: localStorage for a guest, the
 * account for a customer. Announces the change in a polite live region.
 */
export function WishlistButton({ productId, productSlug, productName, named = false }: WishlistButtonProps) {
  const wishlist = useWishlist();
  const saved = wishlist.slugs.includes(productSlug);
  const [pending, startTransition] = useTransition();
  const [announcement, setAnnouncement] = useState("");

  function onClick() {
    const next = !saved;
    startTransition(async () => {
      const error = await trackChange(toggleWishlist({ slug: productSlug, name: productName }, next));
      setAnnouncement(error ?? (next ? `${productName} was added to your wishlist.` : `${productName} was removed from your wishlist.`));
    });
  }

  const label = saved ? "Remove from wishlist" : "Add to wishlist";
  const fullName = saved ? `Remove ${productName} from wishlist` : `Add ${productName} to wishlist`;
  return (
    <span className="inline-flex flex-col">
      <button
        type="button"
        aria-pressed={saved}
        aria-busy={pending || wishlist.status === "loading"}
        disabled={wishlist.status === "loading"}
        onClick={onClick}
        aria-label={named ? fullName : undefined}
        data-product-id={productId}
        className="inline-flex items-center gap-2 rounded-md border border-gray-300 bg-white px-3 py-2 text-sm font-medium hover:bg-gray-50 disabled:opacity-60 aria-pressed:border-brand-600 aria-pressed:text-brand-700"
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-4 w-4" fill={saved ? "currentColor" : "none"} stroke="currentColor" strokeWidth="2">
          <path d="M12 21s-7.5-4.6-9.5-9.1C1.1 8.6 3.2 5 6.7 5c2 0 3.4 1.1 4.3 2.4h2C13.9 6.1 15.3 5 17.3 5c3.5 0 5.6 3.6 4.2 6.9C19.5 16.4 12 21 12 21z" />
        </svg>
        {label}
      </button>
      <span role="status" aria-live="polite" className="sr-only">
        {announcement}
      </span>
    </span>
  );
}
