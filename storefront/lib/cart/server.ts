/**
 * The cart id cookie (httpOnly; the browser never reads it, the localStorage mirror is separate).
 * `getCart()` reads the cart through the API; a missing or foreign cart reads as null.
 */
import "server-only";
import { cookies } from "next/headers";
import { secureCookies } from "@/lib/config";
import type { CartRead } from "@/lib/api/types";
import { sessionApi } from "@/lib/session/api";
import { CART_COOKIE_MAX_AGE, cookieNames, cookieOptions } from "@/lib/session/tokens";
import { isCartId } from "./mirror";

function cartCookie(): string {
  return cookieNames(secureCookies()).cart;
}

export async function getCartId(): Promise<string | null> {
  const value = (await cookies()).get(cartCookie())?.value;
  return isCartId(value) ? value : null;
}

/** Server actions and route handlers only (Next forbids setting cookies while rendering). */
export async function setCartId(id: string): Promise<void> {
  (await cookies()).set(cartCookie(), id, cookieOptions(secureCookies(), CART_COOKIE_MAX_AGE));
}

export async function clearCartId(): Promise<void> {
  (await cookies()).delete({ name: cartCookie(), path: "/", secure: secureCookies() });
}

/** The shopper's open cart, or null (no cookie, expired, checked out or someone else's). */
export async function getCart(id?: string | null): Promise<CartRead | null> {
  const cartId = id ?? (await getCartId());
  if (!cartId) return null;
  const api = await sessionApi();
  try {
    const { data } = await api.GET("/api/v1/carts/{cart_id}", { params: { path: { cart_id: cartId } } });
    return data ?? null;
  } catch {
    return null;
  }
}
