import type { Schema } from "@/lib/api/types";
import { formatMoney } from "@/lib/format/money";

type OrderLine = Schema<"OrderLineRead">;

/**
 * An order line's amount before the order's discount, so the lines add up to the subtotal
 * above the totals; the line's share of a discount is named beneath it.
 */
export function LineAmount({ line }: { line: Pick<OrderLine, "subtotal" | "discount"> }) {
  return (
    <span className="text-right">
      <span className="font-semibold">{formatMoney(line.subtotal)}</span>
      {line.discount.amount ? <span className="block text-xs text-muted">−{formatMoney(line.discount)} discount</span> : null}
    </span>
  );
}
