/**
 * A quantity typed into the cart, checked before it is sent (pure): a whole number from 0 (which
 * removes the line) to the line's limit (`max_quantity`, the API's cap per line). What is wrong
 * is said in words, next to the field.
 */
export type QuantityCheck = { ok: true; quantity: number } | { ok: false; message: string };

export function limitMessage(max: number): string {
  return `You can buy at most ${max} of this item.`;
}

export function checkQuantity(typed: string, max: number): QuantityCheck {
  const text = typed.trim();
  if (!/^\d{1,6}$/.test(text)) return { ok: false, message: `Enter a whole number from 1 to ${max}.` };
  const quantity = Number(text);
  if (quantity > max) return { ok: false, message: limitMessage(max) };
  return { ok: true, quantity };
}
