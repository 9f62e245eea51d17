/**
 * The admin Shipments list's own filters (`/admin/shipments?status=&exception=&carrier=&cursor=`),
 * read and validated in one place, so the list page, its "Mark delivered" / "Void label" forms
 * (hidden `return_to`) and the server actions redirecting back agree, and a hand-made `return_to`
 * can only lead back to this list with known, valid parameters.
 */
import { hrefWith, one, type Params } from "./query";

export const SHIPMENTS_PATH = "/admin/shipments";
export const SHIPMENT_STATUSES = ["label_created", "in_transit", "out_for_delivery", "delivered", "exception", "returned", "voided"] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];
const CARRIER = /^[a-z][a-z0-9_]{0,31}$/;
/** an API cursor is opaque but URL-safe and short; anything else is dropped */
const CURSOR = /^[A-Za-z0-9_=.~+/-]{1,512}$/;

export interface ShipmentsFilters {
  status?: ShipmentStatus;
  exception?: "true";
  carrier?: string;
  cursor?: string;
}

/** The list's filters from its search parameters; unknown or invalid values are left out. */
export function shipmentsFilters(params: Params): ShipmentsFilters {
  const statusParam = one(params, "status");
  const carrierParam = one(params, "carrier")?.toLowerCase();
  const cursorParam = one(params, "cursor");
  return {
    status: SHIPMENT_STATUSES.includes(statusParam as ShipmentStatus) ? (statusParam as ShipmentStatus) : undefined,
    exception: one(params, "exception") === "true" ? "true" : undefined,
    carrier: carrierParam && CARRIER.test(carrierParam) ? carrierParam : undefined,
    cursor: cursorParam && CURSOR.test(cursorParam) ? cursorParam : undefined,
  };
}

/** `/admin/shipments?…` with the given filters (and extra values such as `done`). */
export function shipmentsHref(filters: ShipmentsFilters, extra: Record<string, string | undefined> = {}): string {
  return hrefWith(SHIPMENTS_PATH, { status: filters.status, exception: filters.exception, carrier: filters.carrier, cursor: filters.cursor, ...extra });
}

/**
 * A form's `return_to` → the list's filters, or null when it is not this list: only the exact path
 * `/admin/shipments` (no scheme, host, other path or fragment), and only its known parameters are
 * kept, each validated as the page validates it.
 */
export function shipmentsReturn(value: unknown): ShipmentsFilters | null {
  if (typeof value !== "string") return null;
  const [path, query = "", ...rest] = value.split("?");
  if (path !== SHIPMENTS_PATH || rest.length > 0 || query.includes("#")) return null;
  const params: Params = {};
  for (const [key, v] of new URLSearchParams(query)) params[key] = key in params ? [String(params[key]), v] : v;
  return shipmentsFilters(params);
}

export type ShipmentsOutcome = "delivered" | "voided";

interface ShipmentRef {
  id: string;
  tracking_number: string;
  status: string;
}

/**
 * The message for `?done=<outcome>&shipment=<id>` on the list, or null. `shipment` is the shipment
 * the page read itself (by that id, from the API): the message is said only when its status really
 * is the outcome, so a hand-made link cannot make the page say something untrue.
 */
export function shipmentsFlash(done: string | undefined, shipmentId: string | undefined, shipment: ShipmentRef | null | undefined): string | null {
  if (!shipmentId || !shipment || shipment.id !== shipmentId) return null;
  if (done === "delivered" && shipment.status === "delivered") return `Shipment ${shipment.tracking_number} marked delivered.`;
  if (done === "voided" && shipment.status === "voided") return `Label ${shipment.tracking_number} voided: its items can be shipped again.`;
  return null;
}
