/**
 * Money is integer minor units plus an ISO 4217 currency (the API's `Money` schema). Format with
 * Intl, using the currency's own number of fraction digits (JPY 0, EUR 2, KWD 3).
 */
export interface MoneyLike {
  amount: number;
  currency: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: "currency", currency });
    formatters.set(key, f);
  }
  return f;
}

/** Fraction digits of a currency as Intl knows them (2 for unknown codes). */
export function minorUnitDigits(currency: string): number {
  return formatter("en", currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Minor units to a decimal number, e.g. 1999 EUR → 19.99. */
export function toMajorUnits(money: MoneyLike): number {
  return money.amount / 10 ** minorUnitDigits(money.currency);
}

/** e.g. formatMoney({amount: 1999, currency: "EUR"}, "de-DE") → "19,99 €". */
export function formatMoney(money: MoneyLike, locale = "en-GB"): string {
  return formatter(locale, money.currency).format(toMajorUnits(money));
}

/** "€10.00 – €25.00" when a product's variants differ in price, else one price. */
export function formatPriceRange(min: MoneyLike, max: MoneyLike | null | undefined, locale = "en-GB"): string {
  if (!max || max.amount === min.amount || max.currency !== min.currency) return formatMoney(min, locale);
  return `${formatMoney(min, locale)} – ${formatMoney(max, locale)}`;
}
