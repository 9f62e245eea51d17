/** Small display helpers for the account pages (pure, unit-tested). */

const STATUS_LABELS: Record<string, string> = {
  pending_payment: "Awaiting payment",
  paid: "Paid",
  fulfilled: "Fulfilled",
  partially_fulfilled: "Partly shipped",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
  refunded: "Refunded",
  partially_refunded: "Partly refunded",
};

export function orderStatusLabel(status: string): string {
  const known = STATUS_LABELS[status];
  if (known) return known;
  const words = status.replace(/_/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : "Unknown";
}

export function formatDate(iso: string, locale = "en-GB"): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(date);
}

/** The lines of a postal address as the API stores it (order snapshots are free-form objects). */
export function addressLines(address: Record<string, unknown>, countryName: (code: string) => string = (c) => c): string[] {
  const s = (key: string): string => {
    const v = address[key];
    return typeof v === "string" ? v.trim() : "";
  };
  const cityLine = [s("postal_code"), s("city")].filter(Boolean).join(" ");
  const country = s("country");
  const name = s("full_name") || [s("first_name"), s("last_name")].filter(Boolean).join(" ");
  return [name, s("company"), s("line1"), s("line2"), cityLine, s("region"), country ? countryName(country) : ""].filter(Boolean);
}
