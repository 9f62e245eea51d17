/** Small helpers for admin list pages: search parameters in, links out. */
export type Params = Record<string, string | string[] | undefined>;

export function one(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `base?…` keeping the given non-empty values (used for "Next page" links and filters). */
export function hrefWith(base: string, values: Record<string, string | number | undefined | null>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${base}?${text}` : base;
}

/** A `YYYY-MM-DD` date input value → an ISO instant at the start (or end) of that UTC day. */
export function dayBound(value: string | undefined, end = false): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return undefined;
  if (end) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString();
}
