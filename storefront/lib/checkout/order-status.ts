/** What the order page says about an order's payment, from GET /orders/{id} (pure). */

export interface OrderStatusInput {
  status: string;
  payment?: { status: string; last_error_code?: string | null } | null;
}

export type PaymentPhase = "paid" | "awaiting" | "failed" | "action_required" | "closed";

export function paymentPhase(order: OrderStatusInput): PaymentPhase {
  if (order.status === "cancelled" || order.status === "refunded") return "closed";
  if (order.status !== "pending_payment") return "paid";
  if (order.payment?.last_error_code) return "failed";
  if (order.payment?.status === "requires_action") return "action_required";
  return "awaiting";
}

/** Keep polling while the order still waits for its money (a retry may be under way elsewhere). */
export function shouldPoll(phase: PaymentPhase): boolean {
  return phase === "awaiting" || phase === "action_required" || phase === "failed";
}

/**
 * `failure` is the API's `payment.failure_message`: why the attempt failed, in the words of the
 * payment-failed email (the backend's `notifications/wording.py`, which covers Stripe's decline
 * codes); never the code itself.
 */
export function phaseMessage(phase: PaymentPhase, failure?: string | null): string {
  switch (phase) {
    case "paid":
      return "Payment received. Your order is confirmed.";
    case "failed":
      return `Your payment did not go through.${failure ? ` ${failure}` : ""} Your order is kept: pay again below.`;
    case "action_required":
      return "Waiting for your bank's approval of the payment…";
    case "closed":
      return "This order is closed.";
    default:
      return "Waiting for the payment confirmation…";
  }
}
