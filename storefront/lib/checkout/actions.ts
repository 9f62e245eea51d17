"use server";
/**
 * Checkout server actions: address, shipping, discount code, and placing the order + paying.
 * The sandbox card is confirmed here, server to server (the browser never talks to the API); with
 * Stripe the client secret goes to Stripe.js in the browser, as Stripe requires.
 */
import { redirect } from "next/navigation";
import { asProblem } from "@/lib/api/client";
import type { CartRead, Schema } from "@/lib/api/types";
import { clearCartId, getCartId } from "@/lib/cart/server";
import { failureFrom, networkFailure, type ActionFailure, type CartResult } from "@/lib/cart/result";
import { sessionApi } from "@/lib/session/api";
import type { CardFields } from "./card";
import { isIdempotencyKey } from "./idempotency";
import { orderPath } from "./state";

type ShippingOption = Schema<"ShippingOptionRead">;
export type AddressInput = Schema<"Address">;
export type AddressResult = { ok: true; cart: CartRead; options: ShippingOption[] } | ActionFailure;

async function cartIdOrFailure(): Promise<string | ActionFailure> {
  const id = await getCartId();
  return id ?? { ok: false, code: "cart_not_found", message: "Your cart has expired. Please add the items again." };
}

async function guarded<T>(run: () => Promise<T | ActionFailure>): Promise<T | ActionFailure> {
  try {
    return await run();
  } catch {
    return networkFailure();
  }
}

/** Email + shipping address (billing = shipping), then the shipping options for that address. */
export async function saveAddress(email: string, address: AddressInput): Promise<AddressResult> {
  return guarded(async () => {
    const cartId = await cartIdOrFailure();
    if (typeof cartId !== "string") return cartId;
    const api = await sessionApi();
    const { data, error, response } = await api.PUT("/api/v1/carts/{cart_id}/address", {
      params: { path: { cart_id: cartId } },
      body: { email, shipping_address: address, same_as_shipping: true },
    });
    if (!data) return failureFrom(asProblem(error, response.status), response.status);
    const options = await api.GET("/api/v1/carts/{cart_id}/shipping-options", { params: { path: { cart_id: cartId } } });
    if (!options.data) return failureFrom(asProblem(options.error, options.response.status), options.response.status);
    return { ok: true, cart: data, options: options.data.items };
  });
}

export async function chooseShipping(code: string): Promise<CartResult> {
  return guarded(async () => {
    const cartId = await cartIdOrFailure();
    if (typeof cartId !== "string") return cartId;
    const api = await sessionApi();
    const { data, error, response } = await api.PUT("/api/v1/carts/{cart_id}/shipping-method", {
      params: { path: { cart_id: cartId } },
      body: { code },
    });
    return data ? { ok: true, cart: data } : failureFrom(asProblem(error, response.status), response.status);
  });
}

export async function applyDiscount(code: string): Promise<CartResult> {
  return guarded(async () => {
    const cartId = await cartIdOrFailure();
    if (typeof cartId !== "string") return cartId;
    const trimmed = code.trim();
    if (!trimmed) return { ok: false, code: "validation_error", message: "Enter a discount code." };
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/carts/{cart_id}/discount-codes", {
      params: { path: { cart_id: cartId } },
      body: { code: trimmed },
    });
    return data ? { ok: true, cart: data } : failureFrom(asProblem(error, response.status), response.status);
  });
}

export async function removeDiscount(): Promise<CartResult> {
  return guarded(async () => {
    const cartId = await cartIdOrFailure();
    if (typeof cartId !== "string") return cartId;
    const api = await sessionApi();
    const { data, error, response } = await api.DELETE("/api/v1/carts/{cart_id}/discount-codes", {
      params: { path: { cart_id: cartId } },
    });
    return data ? { ok: true, cart: data } : failureFrom(asProblem(error, response.status), response.status);
  });
}

/** What a payment attempt led to; `orderUrl` is the confirmation page (with the guest token). */
export type PayResult =
  | { ok: true; kind: "done"; orderUrl: string }
  | { ok: true; kind: "challenge"; orderUrl: string; url: string; intentId: string }
  | { ok: true; kind: "stripe"; orderUrl: string; clientSecret: string }
  | (ActionFailure & { orderUrl?: string; cart?: CartRead; sku?: string });

const DECLINED = "Your card was declined. Your order is kept: try again or use another card.";

async function confirmSandbox(intentId: string, clientSecret: string, card: CardFields, orderUrl: string): Promise<PayResult> {
  const api = await sessionApi();
  const { data, error, response } = await api.POST("/api/v1/payments/sandbox/intents/{intent_id}/confirm", {
    params: { path: { intent_id: intentId } },
    body: { client_secret: clientSecret, ...card },
  });
  if (!data) {
    const problem = asProblem(error, response.status);
    // already paid (a retry after success, or another tab): the order page tells the outcome
    if (problem.code === "payment_not_confirmable") return { ok: true, kind: "done", orderUrl };
    return { ...failureFrom(problem, response.status), orderUrl };
  }
  if (data.status === "requires_action" && data.next_action?.url) {
    return { ok: true, kind: "challenge", orderUrl, url: data.next_action.url, intentId };
  }
  if (data.status === "requires_payment_method") return { ok: false, code: "card_declined", message: DECLINED, orderUrl };
  return { ok: true, kind: "done", orderUrl };
}

function startPayment(
  payment: Schema<"PaymentStartRead"> | null | undefined,
  card: CardFields | null,
  orderUrl: string,
): Promise<PayResult> | PayResult {
  if (!payment) return { ok: true, kind: "done", orderUrl }; // nothing to pay (fully discounted)
  if (!payment.client_secret) return { ok: false, code: "payment_unavailable", message: "This payment cannot be completed here. Open your order to retry.", orderUrl };
  if (payment.provider === "stripe") return { ok: true, kind: "stripe", orderUrl, clientSecret: payment.client_secret };
  if (!card) return { ok: false, code: "validation_error", message: "Enter your card details.", orderUrl };
  return confirmSandbox(payment.intent_id, payment.client_secret, card, orderUrl);
}

/**
 * Place the order for the cart (POST /checkout with the attempt's Idempotency-Key; a retry with
 * the same key replays the same order and payment) and confirm the sandbox card. After a decline
 * the order stays pending_payment and the same call confirms the same intent again.
 */
export async function placeOrder(cartId: string, idempotencyKey: string, card: CardFields | null): Promise<PayResult> {
  const result = await guarded<PayResult>(async () => {
    if (!isIdempotencyKey(idempotencyKey)) return { ok: false, code: "invalid_idempotency_key", message: "Please try again." };
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/checkout", {
      params: { header: { "Idempotency-Key": idempotencyKey } },
      body: { cart_id: cartId },
    });
    if (!data) {
      const problem = asProblem(error, response.status);
      const failure = failureFrom(problem, response.status);
      if (problem.code === "insufficient_stock" || problem.code === "product_unavailable") {
        // the API flags the short lines on the cart: hand the fresh cart back to show them
        const fresh = await api.GET("/api/v1/carts/{cart_id}", { params: { path: { cart_id: cartId } } });
        const sku = typeof problem.sku === "string" ? problem.sku : undefined;
        return { ...failure, cart: fresh.data ?? undefined, sku };
      }
      return failure;
    }
    return startPayment(data.payment, card, orderPath(data.id, data.order_token));
  });
  if (result.ok && result.kind === "done") await finishCheckout(result.orderUrl);
  return result;
}

/**
 * The order is paid (or its challenge is under way): forget the checked-out cart and show the
 * order. Until then the cart cookie stays, so a reload of /checkout can retry on the same order.
 */
export async function finishCheckout(orderUrl: string): Promise<never> {
  await clearCartId();
  redirect(/^\/orders\/[0-9a-f-]{36}(\?token=[A-Za-z0-9._~%-]+)?$/i.test(orderUrl) ? orderUrl : "/");
}

/**
 * Pay an order awaiting payment from its page (a reload lost the checkout, or the email's retry
 * link): POST /orders/{id}/payment voids the old intent and starts a fresh one, then confirm.
 */
export async function payOrder(orderId: string, token: string | null, card: CardFields | null): Promise<PayResult> {
  const result = await guarded<PayResult>(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/orders/{order_id}/payment", {
      params: { path: { order_id: orderId }, query: token ? { token } : {} },
    });
    const orderUrl = orderPath(orderId, token);
    if (!data) return { ...failureFrom(asProblem(error, response.status), response.status), orderUrl };
    return startPayment(data.payment, card, orderUrl);
  });
  if (result.ok && result.kind === "done") redirect(result.orderUrl);
  return result;
}
