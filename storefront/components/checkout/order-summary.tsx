import type { CartRead } from "@/lib/api/types";
import { formatMoney } from "@/lib/format/money";

type Totals = Pick<CartRead, "subtotal" | "discount_total" | "shipping_total" | "tax_total" | "total" | "prices_include_tax">;

/** Totals as the API computed them (the shop never prices anything itself). */
export function TotalsList({ totals, shippingKnown = true }: { totals: Totals; shippingKnown?: boolean }) {
  return (
    <dl className="space-y-1 text-sm">
      <div className="flex justify-between"><dt>Subtotal</dt><dd>{formatMoney(totals.subtotal)}</dd></div>
      {totals.discount_total.amount > 0 ? (
        <div className="flex justify-between text-green-800"><dt>Discount</dt><dd>−{formatMoney(totals.discount_total)}</dd></div>
      ) : null}
      <div className="flex justify-between"><dt>Shipping</dt><dd>{shippingKnown ? formatMoney(totals.shipping_total) : "Calculated next"}</dd></div>
      <div className="flex justify-between"><dt>{totals.prices_include_tax ? "Included tax" : "Tax"}</dt><dd>{formatMoney(totals.tax_total)}</dd></div>
      <div className="flex justify-between border-t border-gray-200 pt-2 text-base font-semibold"><dt>Total</dt><dd data-testid="order-total">{formatMoney(totals.total)}</dd></div>
    </dl>
  );
}
