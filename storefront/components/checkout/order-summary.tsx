import type { CartRead } from "@/lib/api/types";
import type { ShippingWaiver } from "@/lib/checkout/shipping-waiver";
import { formatMoney } from "@/lib/format/money";

type Totals = Pick<CartRead, "subtotal" | "discount_total" | "shipping_total" | "tax_total" | "total" | "prices_include_tax">;

/**
 * Totals as the API computed them (the shop never prices anything itself). A shipping price waived
 * by a code (`shippingWaiver`) shows struck through next to what is charged, with the code.
 */
export function TotalsList({ totals, shippingKnown = true, waiver = null }: { totals: Totals; shippingKnown?: boolean; waiver?: ShippingWaiver | null }) {
  return (
    <dl className="space-y-1 text-sm">
      <div className="flex justify-between"><dt>Subtotal</dt><dd>{formatMoney(totals.subtotal)}</dd></div>
      {totals.discount_total.amount > 0 ? (
        <div className="flex justify-between text-green-800"><dt>Discount</dt><dd>−{formatMoney(totals.discount_total)}</dd></div>
      ) : null}
      {shippingKnown && waiver ? (
        <div className="flex justify-between gap-2">
          <dt>Shipping <span className="text-green-800">{waiver.code ? `(free shipping: ${waiver.code})` : "(discounted)"}</span></dt>
          <dd>
            <span className="sr-only">was </span><s className="text-muted">{formatMoney(waiver.listed)}</s>{" "}
            <span className="sr-only">now </span>{formatMoney(totals.shipping_total)}
          </dd>
        </div>
      ) : (
        <div className="flex justify-between"><dt>Shipping</dt><dd>{shippingKnown ? formatMoney(totals.shipping_total) : "Calculated next"}</dd></div>
      )}
      <div className="flex justify-between"><dt>{totals.prices_include_tax ? "Included tax" : "Tax"}</dt><dd>{formatMoney(totals.tax_total)}</dd></div>
      <div className="flex justify-between border-t border-gray-200 pt-2 text-base font-semibold"><dt>Total</dt><dd data-testid="order-total">{formatMoney(totals.total)}</dd></div>
    </dl>
  );
}
