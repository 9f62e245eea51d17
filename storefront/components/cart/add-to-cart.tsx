"use client";

/**
 * PLACEHOLDER (phase 2a, catalog): the real AddToCart is built by the cart developer (phase 2b)
 * at this path with this exact signature; the merge takes their file. Does nothing on click.
 */
export function AddToCart({ sku, productName, disabled }: { sku: string; productName: string; disabled: boolean }) {
  return (
    <button type="button" disabled={disabled} data-sku={sku} data-product={productName} className="w-full rounded-md bg-brand-600 px-6 py-3 font-semibold text-white disabled:bg-gray-400">
      Add to cart
    </button>
  );
}
