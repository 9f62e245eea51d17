"use client";
import { useEffect, useSyncExternalStore } from "react";
import { getServerWishlistSnapshot, getWishlistSnapshot, loadWishlist, subscribeWishlist, type WishlistSnapshot } from "@/lib/wishlist/store";

/** The shared wishlist state; loads (and syncs a guest list after sign-in) on first use. */
export function useWishlist(): WishlistSnapshot {
  const snapshot = useSyncExternalStore(subscribeWishlist, getWishlistSnapshot, getServerWishlistSnapshot);
  useEffect(() => {
    void loadWishlist();
  }, []);
  return snapshot;
}
