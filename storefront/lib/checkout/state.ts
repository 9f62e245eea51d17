/**
 * Where a checkout stands, from the cart the API answered: which sections are done and whether
 * the order can be placed. Pure, so the checkout form and its unit tests share it.
 */
import type { CartRead } from "@/lib/api/types";

type CartState = Pick<CartRead, "status" | "email" | "shipping_address" | "shipping_method" | "lines">;

export interface CheckoutState {
  contactDone: boolean;
  shippingDone: boolean;
  /** lines the API flags (unavailable or short): they block the order */
  blockingLines: number;
  canPay: boolean;
  /** what is still missing, in the order the shopper fills it in */
  missing: Array<"items" | "contact" | "shipping" | "fix_lines">;
}

export function checkoutState(cart: CartState): CheckoutState {
  const contactDone = Boolean(cart.email && cart.shipping_address);
  const shippingDone = contactDone && Boolean(cart.shipping_method);
  const blockingLines = cart.lines.filter((l) => l.unavailable || l.insufficient_stock).length;
  const missing: CheckoutState["missing"] = [];
  if (cart.lines.length === 0) missing.push("items");
  if (!contactDone) missing.push("contact");
  if (!shippingDone) missing.push("shipping");
  if (blockingLines > 0) missing.push("fix_lines");
  return { contactDone, shippingDone, blockingLines, canPay: cart.status === "open" && missing.length === 0, missing };
}

/** Split a saved address's single name into the checkout's first and last name. */
export function splitName(fullName: string): { first_name: string; last_name: string } {
  const parts = fullName.trim().split(/\s+/).filter(Boolean);
  if (parts.length <= 1) return { first_name: parts[0] ?? "", last_name: parts[0] ?? "" };
  return { first_name: parts.slice(0, -1).join(" "), last_name: parts[parts.length - 1]! };
}

/** Where the shopper sees an order: the confirmation page with the signed guest token. */
export function orderPath(orderId: string, token: string | null | undefined): string {
  return token ? `/orders/${orderId}?token=${encodeURIComponent(token)}` : `/orders/${orderId}`;
}

/** "3–5 business days" from the shipping option's estimate. */
export function deliveryEstimate(minDays: number, maxDays: number): string {
  if (minDays === maxDays) return `${minDays} business day${minDays === 1 ? "" : "s"}`;
  return `${minDays}–${maxDays} business days`;
}
