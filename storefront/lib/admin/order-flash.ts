/** The outcomes the admin order page says in its flash message after an action redirected (`?done=`). */
export type OrderOutcome = "cancelled" | "shipped" | "delivered" | "voided";

interface ShipmentRef {
  id: string;
  carrier: string;
  tracking_number: string;
}

/**
 * The message for `?done=<outcome>&shipment=<id>` on the order page, or null. The shipment is
 * looked up among the order's own, so the URL cannot make the page say something untrue.
 */
export function orderFlash(done: string | undefined, shipmentId: string | undefined, shipments: ShipmentRef[]): string | null {
  if (done === "cancelled") return "Order cancelled.";
  const s = shipmentId ? shipments.find((x) => x.id === shipmentId) : undefined;
  if (!s) return null;
  if (done === "shipped") return `Label bought: ${s.carrier} tracking number ${s.tracking_number}.`;
  if (done === "delivered") return `Shipment ${s.tracking_number} marked delivered.`;
  if (done === "voided") return `Label ${s.tracking_number} voided: its items can be shipped again.`;
  return null;
}
