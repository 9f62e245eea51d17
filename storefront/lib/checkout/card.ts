/** Pure helpers for the sandbox card form (the card data goes to the server action, never stored). */

export interface CardInput {
  number: string;
  expiry: string;
  cvc: string;
}

export interface CardFields {
  card_number: string;
  exp_month: number;
  exp_year: number;
  cvc: string;
}

/** Digits only, grouped in fours for display: "4242424242424242" → "4242 4242 4242 4242". */
export function formatCardNumber(value: string): string {
  return value
    .replace(/\D/g, "")
    .slice(0, 19)
    .replace(/(\d{4})(?=\d)/g, "$1 ");
}

/** "MM/YY", "MM / YYYY" or "MMYY" → month and four-digit year, or null. */
export function parseExpiry(value: string): { month: number; year: number } | null {
  const match = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(value);
  if (!match) return null;
  const month = Number(match[1]);
  const rawYear = Number(match[2]);
  if (month < 1 || month > 12) return null;
  return { month, year: match[2]!.length === 2 ? 2000 + rawYear : rawYear };
}

/** The API's confirm body, or the first field the shopper must fix. */
export function cardFields(input: CardInput): { ok: true; card: CardFields } | { ok: false; field: keyof CardInput; message: string } {
  const number = input.number.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(number)) return { ok: false, field: "number", message: "Enter the card number." };
  const expiry = parseExpiry(input.expiry);
  if (!expiry) return { ok: false, field: "expiry", message: "Enter the expiry date as MM/YY." };
  const cvc = input.cvc.trim();
  if (!/^\d{3,4}$/.test(cvc)) return { ok: false, field: "cvc", message: "Enter the 3 or 4 digit security code." };
  return { ok: true, card: { card_number: number, exp_month: expiry.month, exp_year: expiry.year, cvc } };
}
