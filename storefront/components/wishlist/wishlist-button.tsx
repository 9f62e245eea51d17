"use client";

/**
 * PLACEHOLDER (phase 2a, catalog): the real WishlistButton is built by the account developer
 * (phase 2c) at this path with this exact signature; the merge takes their file. Renders nothing.
 */
export function WishlistButton(props: { productId: string; productSlug: string; productName: string }) {
  void props;
  return null;
}
