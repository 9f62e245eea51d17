"use client";
import { useEffect } from "react";
import { useRouter } from "next/navigation";
import { loadWishlist } from "@/lib/wishlist/store";
import { readGuestWishlist } from "@/lib/wishlist/storage";

/**
 * Rendered for signed-in customers: merges a guest wishlist left in localStorage into the account
 * (right after sign-in) and refreshes the server-rendered page when it did.
 */
export function WishlistSync() {
  const router = useRouter();
  useEffect(() => {
    const hadGuestItems = readGuestWishlist().length > 0;
    void loadWishlist(true).then(() => {
      if (hadGuestItems && readGuestWishlist().length === 0) router.refresh();
    });
  }, [router]);
  return null;
}
