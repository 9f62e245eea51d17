import { describe, expect, it } from "vitest";
import { paymentPhase, phaseMessage, shouldPoll } from "./order-status";
import { checkoutState, deliveryEstimate, orderPath, splitName } from "./state";

const line = { unavailable: false, insufficient_stock: false } as const;
const base = { status: "open", email: null, shipping_address: null, shipping_method: null, lines: [line] };

describe("checkout state", () => {
  it("walks contact → shipping → pay", () => {
    expect(checkoutState(base as never)).toMatchObject({ contactDone: false, shippingDone: false, canPay: false, missing: ["contact", "shipping"] });
    const withAddress = { ...base, email: "a@example.com", shipping_address: { line1: "x" } };
    expect(checkoutState(withAddress as never)).toMatchObject({ contactDone: true, shippingDone: false, canPay: false });
    const ready = { ...withAddress, shipping_method: { code: "standard" } };
    expect(checkoutState(ready as never)).toMatchObject({ shippingDone: true, canPay: true, missing: [] });
    expect(checkoutState({ ...ready, status: "checked_out" } as never).canPay).toBe(false);
  });
  it("blocks on an empty cart and on lines the API flags", () => {
    const ready = { ...base, email: "a@example.com", shipping_address: { line1: "x" }, shipping_method: { code: "s" } };
    expect(checkoutState({ ...ready, lines: [] } as never).missing).toEqual(["items"]);
    const short = checkoutState({ ...ready, lines: [line, { unavailable: false, insufficient_stock: true }] } as never);
    expect(short).toMatchObject({ blockingLines: 1, canPay: false, missing: ["fix_lines"] });
  });
  it("splits saved names and formats estimates and order paths", () => {
    expect(splitName("Ada King Lovelace")).toEqual({ first_name: "Ada King", last_name: "Lovelace" });
    expect(splitName("Plato")).toEqual({ first_name: "Plato", last_name: "Plato" });
    expect(deliveryEstimate(3, 5)).toBe("3–5 business days");
    expect(deliveryEstimate(1, 1)).toBe("1 business day");
    expect(orderPath("id", "a.b/c")).toBe("/orders/id?token=a.b%2Fc");
    expect(orderPath("id", null)).toBe("/orders/id");
  });
});

describe("order payment phase", () => {
  it("reads the API's order status and payment", () => {
    expect(paymentPhase({ status: "paid" })).toBe("paid");
    expect(paymentPhase({ status: "shipped" })).toBe("paid");
    expect(paymentPhase({ status: "cancelled" })).toBe("closed");
    expect(paymentPhase({ status: "pending_payment", payment: { status: "requires_payment_method", last_error_code: "card_declined" } })).toBe("failed");
    expect(paymentPhase({ status: "pending_payment", payment: { status: "requires_action" } })).toBe("action_required");
    expect(paymentPhase({ status: "pending_payment", payment: { status: "requires_capture" } })).toBe("awaiting");
  });
  it("polls until the outcome is known", () => {
    expect(shouldPoll("awaiting")).toBe(true);
    expect(shouldPoll("paid")).toBe(false);
    expect(shouldPoll("closed")).toBe(false);
    expect(phaseMessage("paid")).toContain("Payment received");
  });
  it("says why a payment failed, in the API's words", () => {
    expect(phaseMessage("failed", "The card has insufficient funds.")).toBe(
      "Your payment did not go through. The card has insufficient funds. Your order is kept: pay again below.",
    );
    expect(phaseMessage("failed", null)).toBe("Your payment did not go through. Your order is kept: pay again below.");
    expect(phaseMessage("paid", "The card has insufficient funds.")).not.toContain("insufficient");
  });
});
