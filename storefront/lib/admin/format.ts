/** "partially_refunded" → "partially refunded". */
export function statusLabel(status: string): string {
  return status.replace(/_/g, " ");
}

/** An ISO instant as "YYYY-MM-DD HH:MM" (UTC), for tables. */
export function utcMinute(iso: string): string {
  return iso.replace("T", " ").slice(0, 16);
}

/** What can still be refunded: captured (or paid) minus refunded, never below zero. */
export function refundable(captured: number, refunded: number): number {
  return Math.max(0, captured - refunded);
}

/** A size in bytes as "512 B", "1.4 KB", "12.0 MB" (powers of 1024). */
export function byteSize(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The shipping a free-shipping code waived: the chosen method's price when the order paid none. */
export function waivedShipping(order: { discount_code?: string | null; shipping_total: { amount: number }; shipping_method: Record<string, unknown> }): number {
  const price = order.shipping_method.price;
  if (!order.discount_code || order.shipping_total.amount !== 0 || typeof price !== "number") return 0;
  return Math.max(price, 0);
}
