/**
 * Money input for admin forms: what staff type ("12.50", "12,5", "1 299") to integer minor units,
 * and back. Amounts always travel as integer minor units; the currency has 2 decimals (EUR, USD…).
 */
export function parseAmount(input: string, decimals = 2): number | null {
  const text = input.trim().replace(/[\s\u00a0]/g, "");
  if (!text) return null;
  const match = /^(\d{1,12})(?:[.,](\d{0,}))?$/.exec(text);
  if (!match) return null;
  const whole = match[1]!;
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) return null;
  const minor = Number(whole) * 10 ** decimals + Number(fraction.padEnd(decimals, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

/** 1250 → "12.50" (for an input's default value). */
export function amountInput(minor: number | null | undefined, decimals = 2): string {
  if (minor === null || minor === undefined) return "";
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const unit = 10 ** decimals;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(decimals, "0")}`;
}
