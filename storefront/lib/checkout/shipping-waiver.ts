/**
 * Shipping waived by a discount code (FREESHIP-like codes): the method's listed price against
 * the shipping the API charged. The API records such a code's saving on the shipping, not in
 * `discount_total`, so this is how the storefront shows it (pure, unit-tested).
 */
import type { MoneyLike } from "@/lib/format/money";
import { formatMoney } from "@/lib/format/money";

export interface ShippingWaiver {
  listed: MoneyLike;
  charged: MoneyLike;
  code: string | null;
}

/**
 * The waiver when the listed price is above what was charged, else null. `listed` is the method's
 * price in minor units (`cart.shipping_method.price.amount`, `order.shipping_method.price`).
 */
export function shippingWaiver(listed: unknown, charged: MoneyLike, code: string | null | undefined): ShippingWaiver | null {
  if (typeof listed !== "number" || !Number.isInteger(listed) || listed <= charged.amount) return null;
  return { listed: { amount: listed, currency: charged.currency }, charged, code: code ?? null };
}

/** "Free with FREESHIP (was €9.95)" / "€2.00 with SAVE (was €9.95)". */
export function waiverText(waiver: ShippingWaiver): string {
  const now = waiver.charged.amount === 0 ? "Free" : formatMoney(waiver.charged);
  return `${now}${waiver.code ? ` with ${waiver.code}` : ""} (was ${formatMoney(waiver.listed)})`;
}
