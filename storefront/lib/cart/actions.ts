"use server";
/**
 * Cart server actions (CSRF: Next checks Origin for server actions, proxy.ts refuses cross-site
 * POSTs). Every answer is the API's re-priced cart; the client mirrors id + count for the badge.
 */
import { asProblem } from "@/lib/api/client";
import type { CartRead } from "@/lib/api/types";
import { sessionApi } from "@/lib/session/api";
import { isCartId } from "./mirror";
import { failureFrom, networkFailure, type CartResult } from "./result";
import { getCart, getCartId, setCartId } from "./server";

async function guarded(run: () => Promise<CartResult>): Promise<CartResult> {
  try {
    return await run();
  } catch {
    return networkFailure(); // the API could not be reached
  }
}

async function createCart(): Promise<CartResult> {
  const api = await sessionApi();
  const { data, error, response } = await api.POST("/api/v1/carts");
  if (!data) return failureFrom(asProblem(error, response.status), response.status);
  await setCartId(data.id);
  return { ok: true, cart: data };
}

async function addLine(cartId: string, sku: string, quantity: number) {
  const api = await sessionApi();
  return api.POST("/api/v1/carts/{cart_id}/lines", { params: { path: { cart_id: cartId } }, body: { sku, quantity } });
}

/** Add a SKU; creates the cart (and its cookie) when there is none or the old one is closed. */
export async function addToCart(sku: string, quantity = 1): Promise<CartResult> {
  return guarded(async () => {
    let cartId = await getCartId();
    if (!cartId) {
      const created = await createCart();
      if (!created.ok) return created;
      cartId = created.cart.id;
    }
    let { data, error, response } = await addLine(cartId, sku, quantity);
    const problem = data ? null : asProblem(error, response.status);
    if (problem && (problem.code === "cart_not_found" || problem.code === "cart_not_open")) {
      const created = await createCart(); // expired or already checked out: start a new cart
      if (!created.ok) return created;
      ({ data, error, response } = await addLine(created.cart.id, sku, quantity));
    }
    if (!data) return failureFrom(asProblem(error, response.status), response.status);
    return { ok: true, cart: data };
  });
}

export async function updateCartLine(lineId: string, quantity: number): Promise<CartResult> {
  return guarded(async () => {
    const cartId = await getCartId();
    if (!cartId || !isCartId(lineId)) return { ok: false, code: "cart_not_found", message: "Your cart has expired." };
    const api = await sessionApi();
    const { data, error, response } = await api.PATCH("/api/v1/carts/{cart_id}/lines/{line_id}", {
      params: { path: { cart_id: cartId, line_id: lineId } },
      body: { quantity },
    });
    return data ? { ok: true, cart: data } : failureFrom(asProblem(error, response.status), response.status);
  });
}

export async function removeCartLine(lineId: string): Promise<CartResult> {
  return guarded(async () => {
    const cartId = await getCartId();
    if (!cartId || !isCartId(lineId)) return { ok: false, code: "cart_not_found", message: "Your cart has expired." };
    const api = await sessionApi();
    const { data, error, response } = await api.DELETE("/api/v1/carts/{cart_id}/lines/{line_id}", {
      params: { path: { cart_id: cartId, line_id: lineId } },
    });
    return data ? { ok: true, cart: data } : failureFrom(asProblem(error, response.status), response.status);
  });
}

/**
 * Adopt the cart an email links to (`/cart?cart_id=…`, `/checkout?cart_id=…`): it must still be
 * open and readable by this shopper (a customer's cart needs that customer signed in).
 */
export async function adoptCart(cartId: string): Promise<CartResult> {
  return guarded(async () => {
    if (!isCartId(cartId)) return { ok: false, code: "cart_not_found", message: "That cart link is not valid." };
    const cart: CartRead | null = await getCart(cartId);
    if (!cart || cart.status !== "open") {
      return { ok: false, code: "cart_not_found", message: "That cart is no longer available." };
    }
    await setCartId(cart.id);
    return { ok: true, cart };
  });
}
