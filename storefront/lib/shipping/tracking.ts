/**
 * Shipment tracking helpers shared by the public tracking page and the order page: status
 * labels, which statuses are final, and tracking-number normalisation for the lookup form.
 */

export const STATUS_LABELS: Record<string, string> = {
  label_created: "Label created",
  in_transit: "On its way",
  out_for_delivery: "Out for delivery",
  delivered: "Delivered",
  exception: "Delivery problem",
  returned: "Returned to sender",
  voided: "Cancelled",
};

const FINAL = new Set(["delivered", "returned", "voided"]);

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status.replace(/_/g, " ");
}

export function isFinal(status: string): boolean {
  return FINAL.has(status);
}

/** What the lookup form says about a number that cannot be one. */
export const NOT_A_NUMBER = "That does not look like a tracking number: use the letters and digits from your shipping email.";

/** "mp 12ab-34" -> "MP12AB34"; null when nothing plausible is left (letters and digits, 4-64). */
export function normaliseTrackingNumber(raw: string): string | null {
  const cleaned = raw.replace(/[\s-]+/g, "").toUpperCase();
  return /^[A-Z0-9]{4,64}$/.test(cleaned) ? cleaned : null;
}

export function formatEventTime(iso: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
    timeZoneName: "short",
  }).format(new Date(iso));
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "long", timeZone: "UTC" }).format(
    new Date(`${iso}T00:00:00Z`),
  );
}
