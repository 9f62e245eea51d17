/**
 * Optimistic cart edits: what the cart looks like while the API is re-pricing it. Totals here are
 * provisional (unit price × quantity); the API's answer replaces them, and a failure rolls back.
 */
import type { CartRead } from "@/lib/api/types";

type Line = CartRead["lines"][number];

function withLines(cart: CartRead, lines: Line[]): CartRead {
  const subtotal = lines.reduce((sum, l) => sum + l.line_total.amount, 0);
  const delta = subtotal - cart.subtotal.amount;
  return {
    ...cart,
    lines,
    item_count: lines.reduce((sum, l) => sum + l.quantity, 0),
    subtotal: { ...cart.subtotal, amount: subtotal },
    total: { ...cart.total, amount: Math.max(0, cart.total.amount + delta) },
  };
}

/** The cart with one line's quantity changed (clamped to 1…max_quantity). */
export function setLineQuantity(cart: CartRead, lineId: string, quantity: number): CartRead {
  return withLines(
    cart,
    cart.lines.map((line) => {
      if (line.id !== lineId) return line;
      const q = Math.max(1, Math.min(Math.floor(quantity), line.max_quantity || Number.MAX_SAFE_INTEGER));
      return { ...line, quantity: q, line_total: { ...line.line_total, amount: line.unit_price.amount * q } };
    }),
  );
}

/** The cart without one line. */
export function removeLine(cart: CartRead, lineId: string): CartRead {
  return withLines(cart, cart.lines.filter((line) => line.id !== lineId));
}

/** A short status for a line as the API flags it, or null when it can be bought as is. */
export function lineProblem(line: Pick<Line, "unavailable" | "insufficient_stock" | "available">): string | null {
  if (line.unavailable) return "No longer available — remove it to check out.";
  if (line.insufficient_stock) {
    return line.available > 0 ? `Only ${line.available} left — lower the quantity.` : "Sold out — remove it to check out.";
  }
  return null;
}
