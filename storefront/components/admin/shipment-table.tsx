import Link from "@/components/ui/page-link";
import { ActionForm } from "@/components/admin/action-form";
import { tableClass, tdClass, thClass } from "@/components/admin/fields";
import { deliverShipment, voidShipment } from "@/lib/admin/actions";
import { statusLabel, utcMinute } from "@/lib/admin/format";
import type { Schema } from "@/lib/api/types";
import { formatMoney } from "@/lib/format/money";

const FINAL = new Set(["delivered", "returned", "voided"]);

/**
 * Shipments as a table: status, tracking number (linking to the public tracking page), the label
 * download and the staff actions. `withOrder` adds a column linking each shipment's order.
 */
export function ShipmentTable({
  shipments,
  withOrder = false,
  caption,
  onOrderPage = false,
  returnTo,
}: {
  shipments: Array<Schema<"AdminShipmentRead">>;
  withOrder?: boolean;
  caption: string;
  /** on the order's page an action that removes its form redirects back there with a flash message */
  onOrderPage?: boolean;
  /** on the Shipments list: the list's own href (its filters and cursor), to redirect back to with a flash message */
  returnTo?: string;
}) {
  const back: Record<string, string> = onOrderPage ? { return_to: "order" } : returnTo ? { return_to: returnTo } : {};
  return (
    <div className="overflow-x-auto" tabIndex={0}>
      <table className={tableClass}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className={thClass}>Tracking number</th>
            {withOrder ? <th scope="col" className={thClass}>Order</th> : null}
            <th scope="col" className={thClass}>Carrier</th>
            <th scope="col" className={thClass}>Status</th>
            <th scope="col" className={thClass}>Created (UTC)</th>
            <th scope="col" className={thClass}>Actions</th>
          </tr>
        </thead>
        <tbody>
          {shipments.map((s) => (
            <tr key={s.id}>
              <td className={tdClass}>
                <Link href={`/track/${encodeURIComponent(s.tracking_number)}`} className="font-mono text-brand-700 underline" data-testid="tracking-number">
                  {s.tracking_number}
                </Link>
                <div className="text-xs text-muted">
                  {s.lines.reduce((n, l) => n + l.quantity, 0)} item(s) · {formatMoney(s.cost)}
                </div>
              </td>
              {withOrder ? (
                <td className={tdClass}>
                  <Link href={`/admin/orders/${s.order_id}`} className="text-brand-700 underline">
                    View order
                  </Link>
                </td>
              ) : null}
              <td className={tdClass}>
                {s.carrier}
                <div className="text-xs text-muted">{s.service}</div>
              </td>
              <td className={tdClass}>{statusLabel(s.status)}</td>
              <td className={tdClass}>{utcMinute(s.created_at)}</td>
              <td className={tdClass}>
                <div className="flex flex-col gap-2">
                  {s.label_url && s.status !== "voided" ? (
                    <a href={`/admin/shipments/${s.id}/label`} className="text-brand-700 underline" aria-label={`Download label ${s.tracking_number}`}>
                      Download label
                    </a>
                  ) : null}
                  {!FINAL.has(s.status) ? (
                    <ActionForm
                      action={deliverShipment}
                      hidden={{ shipment_id: s.id, order_id: s.order_id, ...back }}
                      submit="Mark delivered"
                      pending="Saving…"
                      variant="secondary"
                      label={`Mark shipment ${s.tracking_number} delivered`}
                    />
                  ) : null}
                  {s.status === "label_created" ? (
                    <ActionForm
                      action={voidShipment}
                      hidden={{ shipment_id: s.id, order_id: s.order_id, ...back }}
                      submit="Void label"
                      pending="Voiding…"
                      variant="danger"
                      label={`Void label ${s.tracking_number}`}
                    />
                  ) : null}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
