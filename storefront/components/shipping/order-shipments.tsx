import Link from "@/components/ui/page-link";
import type { Schema } from "@/lib/api/types";
import { formatDate, isFinal, statusLabel } from "@/lib/shipping/tracking";
import { AutoRefresh } from "./auto-refresh";
import { TrackingTimeline } from "./tracking-timeline";

type Shipment = Schema<"ShipmentRead">;

/** The order's parcels with their tracking timelines (refreshes itself while one is moving). */
export function OrderShipments({ shipments, lineTitles }: { shipments: Shipment[]; lineTitles: Record<string, string> }) {
  const visible = shipments.filter((s) => s.status !== "voided");
  if (visible.length === 0) return null;
  const moving = visible.some((s) => !isFinal(s.status));
  return (
    <section aria-labelledby="shipments-heading" className="space-y-4">
      <AutoRefresh active={moving} />
      <h2 id="shipments-heading" className="text-lg font-semibold">
        {visible.length === 1 ? "Shipment" : `Shipments (${visible.length})`}
      </h2>
      {visible.map((shipment, index) => (
        <article
          key={shipment.id}
          aria-labelledby={`shipment-${shipment.id}`}
          className="rounded-lg border border-gray-200 p-4"
        >
          <div className="flex flex-col gap-1 sm:flex-row sm:items-baseline sm:justify-between">
            <h3 id={`shipment-${shipment.id}`} className="font-semibold">
              {visible.length > 1 ? `Parcel ${index + 1}: ` : ""}
              <span data-testid="shipment-status">{statusLabel(shipment.status)}</span>
            </h3>
            <p className="text-sm text-muted">
              {shipment.carrier} · {shipment.service}
            </p>
          </div>
          <p className="mt-1 text-sm">
            Tracking number{" "}
            <Link href={`/track/${shipment.tracking_number}`} className="font-mono font-medium text-brand-700 underline">
              {shipment.tracking_number}
            </Link>
          </p>
          {shipment.estimated_delivery && !isFinal(shipment.status) ? (
            <p className="text-sm">Expected: {formatDate(shipment.estimated_delivery)}</p>
          ) : null}
          <p className="mt-1 text-sm text-muted">
            {shipment.lines.map((line) => `${lineTitles[line.line_id] ?? "Item"} × ${line.quantity}`).join(", ")}
          </p>
          <div className="mt-4">
            <TrackingTimeline
              events={shipment.events}
              label={`Tracking history of parcel ${shipment.tracking_number}`}
            />
          </div>
        </article>
      ))}
    </section>
  );
}
