import { narrowTableClass, tdClass, thClass } from "@/components/admin/fields";
import { LineAmount } from "@/components/order/line-amount";
import type { Schema } from "@/lib/api/types";
import { formatMoney } from "@/lib/format/money";

type OrderLine = Schema<"OrderLineRead">;

/**
 * An order's lines on the admin order page, in the numbers the customer's order page shows:
 * quantity × unit price and the amount before the order's discount, with the line's share of the
 * discount beneath it (`LineAmount`), so that the lines add up to the Subtotal below them.
 */
export function AdminOrderLines({ lines }: { lines: OrderLine[] }) {
  return (
    <div className="overflow-x-auto" tabIndex={0}>
      <table className={narrowTableClass}>
        <caption className="sr-only">Items ordered</caption>
        <thead>
          <tr>
            <th scope="col" className={thClass}>Item</th>
            <th scope="col" className={thClass}>Qty</th>
            <th scope="col" className={thClass}>Shipped</th>
            <th scope="col" className={`${thClass} text-right`}>Amount</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.id}>
              <td className={tdClass}>
                {l.product_title}
                {l.variant_title ? ` — ${l.variant_title}` : ""}
                <div className="text-xs text-muted">{l.sku}</div>
              </td>
              <td className={tdClass}>
                {l.quantity}
                <div className="text-xs text-muted">× {formatMoney(l.unit_price)}</div>
              </td>
              <td className={tdClass}>{l.quantity_fulfilled}</td>
              <td className={`${tdClass} text-right`}>
                <LineAmount line={l} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
