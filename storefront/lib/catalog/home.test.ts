import { describe, expect, it } from "vitest";
import type { ProductSummary } from "@/lib/api/types";
import { saleItems } from "./home";

function product(id: string, price: number, compareAt: number | null, inStock = true): ProductSummary {
  const money = (amount: number) => ({ amount, currency: "EUR" });
  return {
    id,
    title: id,
    slug: id,
    brand: "",
    price: money(price),
    price_max: money(price),
    compare_at_price: compareAt === null ? null : money(compareAt),
    image: null,
    in_stock: inStock,
    category: null,
    created_at: "2026-11-01T00:00:00Z",
  };
}

describe("saleItems", () => {
  it("keeps in-stock products with a higher compare-at price, biggest discount first", () => {
    const items = [product("a", 1000, null), product("b", 900, 1000), product("c", 500, 1000), product("d", 1000, 1000), product("e", 100, 1000, false)];
    expect(saleItems(items, 10).map((p) => p.id)).toEqual(["c", "b"]);
    expect(saleItems(items, 1).map((p) => p.id)).toEqual(["c"]);
  });
});
