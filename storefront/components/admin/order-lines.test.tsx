/**
 * The admin order page's lines show what the customer's order page shows (`LineAmount`): the
 * amount before the order's discount, the line's discount beneath it, so the lines add up to the
 * subtotal; never the line's total after the discount.
 */
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { LineAmount } from "@/components/order/line-amount";
import type { Schema } from "@/lib/api/types";
import { AdminOrderLines } from "./order-lines";

const eur = (amount: number) => ({ amount, currency: "EUR" });

// An order of €30.00 with a 10% code (€3.00), prices including 20% tax: the API's line shapes.
const lines: Schema<"OrderLineRead">[] = [
  {
    id: "00000000-0000-4000-8000-000000000001",
    sku: "TEA-1",
    product_title: "Tea",
    variant_title: "Loose",
    quantity: 2,
    quantity_fulfilled: 0,
    unit_price: eur(1000),
    subtotal: eur(2000),
    discount: eur(200),
    tax: eur(300),
    tax_rate_bp: 2000,
    total: eur(1800),
  },
  {
    id: "00000000-0000-4000-8000-000000000002",
    sku: "MUG-1",
    product_title: "Mug",
    variant_title: "",
    quantity: 1,
    quantity_fulfilled: 1,
    unit_price: eur(1000),
    subtotal: eur(1000),
    discount: eur(100),
    tax: eur(150),
    tax_rate_bp: 2000,
    total: eur(900),
  },
];

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();

function rows(html: string): string[] {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => text(m[1]!));
}

describe("AdminOrderLines", () => {
  const html = renderToStaticMarkup(<AdminOrderLines lines={lines} />);

  it("shows each line before the discount, with the line's discount beneath", () => {
    const [, tea, mug] = rows(html);
    expect(tea).toBe("Tea — Loose TEA-1 2 × €10.00 0 €20.00 −€2.00 discount");
    expect(mug).toBe("Mug MUG-1 1 × €10.00 1 €10.00 −€1.00 discount");
    // not the line totals after the discount
    expect(html).not.toContain("€18.00");
    expect(html).not.toContain("€9.00");
  });

  it("renders the amount with the customer's order page component", () => {
    for (const line of lines) expect(html).toContain(renderToStaticMarkup(<LineAmount line={line} />));
  });

  it("names the amount column and says nothing of a discount a line did not get", () => {
    expect(html).toContain(">Amount</th>");
    const plain = renderToStaticMarkup(<AdminOrderLines lines={[{ ...lines[1]!, discount: eur(0), total: eur(1000) }]} />);
    expect(rows(plain)[1]).toBe("Mug MUG-1 1 × €10.00 1 €10.00");
  });
});
