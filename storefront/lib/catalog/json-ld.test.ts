import { describe, expect, it } from "vitest";
import { productJsonLd, serializeJsonLd, stripHtml } from "./json-ld";

const product = {
  title: "Linen Dress",
  slug: "linen-dress",
  description: "<p>Light &amp; airy.</p>",
  brand: "Fjell",
  images: [{ url: "/media/demo/dress.svg" }, { url: "https://cdn.example/x.png" }],
  variants: [
    { sku: "D-S", title: "S", price: { amount: 4999, currency: "EUR" }, in_stock: false, is_active: true },
    { sku: "D-M", title: "M", price: { amount: 4999, currency: "EUR" }, in_stock: true, is_active: true },
    { sku: "D-X", title: "X", price: { amount: 1, currency: "EUR" }, in_stock: true, is_active: false },
  ],
};

describe("productJsonLd", () => {
  it("describes the product with one offer per active variant", () => {
    const ld = productJsonLd(product, "https://shop.example");
    expect(ld["@type"]).toBe("Product");
    expect(ld.description).toBe("Light & airy.");
    expect(ld.image).toEqual(["https://shop.example/media/demo/dress.svg", "https://cdn.example/x.png"]);
    expect(ld.brand).toEqual({ "@type": "Brand", name: "Fjell" });
    const offers = ld.offers as Array<Record<string, unknown>>;
    expect(offers.map((o) => [o.sku, o.price, o.availability])).toEqual([
      ["D-S", "49.99", "https://schema.org/OutOfStock"],
      ["D-M", "49.99", "https://schema.org/InStock"],
    ]);
  });

  it("cannot break out of the script element", () => {
    const out = serializeJsonLd({ name: "</script><script>alert(1)</script>" });
    expect(out).not.toContain("<");
    expect(JSON.parse(out)).toEqual({ name: "</script><script>alert(1)</script>" });
    expect(stripHtml("<b>a</b>\n<i>b</i>")).toBe("a b");
  });
});
