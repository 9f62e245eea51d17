/**
 * A window event that opens the cart drawer with a fresh cart (sent by AddToCart, received by the
 * CartDrawer mounted once in the layout), so the two need no shared React context.
 */
import type { CartRead } from "@/lib/api/types";

export const CART_DRAWER_EVENT = "mercato:cart-drawer";

export function openCartDrawer(cart: CartRead): void {
  window.dispatchEvent(new CustomEvent<CartRead>(CART_DRAWER_EVENT, { detail: cart }));
}

export function onCartDrawerOpen(handler: (cart: CartRead) => void): () => void {
  const listener = (event: Event) => handler((event as CustomEvent<CartRead>).detail);
  window.addEventListener(CART_DRAWER_EVENT, listener);
  return () => window.removeEventListener(CART_DRAWER_EVENT, listener);
}
