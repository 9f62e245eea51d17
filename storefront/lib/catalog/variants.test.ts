import { describe, expect, it } from "vitest";
import { availabilityText, choose, findVariant, initialSelection, valueState, variantFromParam, type VariantLike } from "./variants";

const v = (sku: string, size: string, colour: string, available: number, extra: Partial<VariantLike> = {}): VariantLike => ({
  sku,
  options: { size, colour },
  is_active: true,
  in_stock: available > 0,
  available,
  low_stock: available > 0 && available <= 3,
  ...extra,
});

const variants = [v("S-BLK", "S", "Black", 0), v("M-BLK", "M", "Black", 2), v("M-NVY", "M", "Navy", 10), v("L-NVY", "L", "Navy", 0, { is_active: false })];

describe("variant selection", () => {
  it("starts on the first variant in stock", () => {
    expect(initialSelection(variants)).toEqual({ size: "M", colour: "Black" });
    expect(initialSelection(variants, "M-NVY")).toEqual({ size: "M", colour: "Navy" });
    expect(initialSelection([])).toEqual({});
  });

  it("takes a ?variant= SKU only when it is an active variant of the product", () => {
    expect(variantFromParam(variants, "M-NVY")).toBe("M-NVY");
    expect(variantFromParam(variants, "S-BLK")).toBe("S-BLK"); // sold out but active: shown as such
    expect(variantFromParam(variants, "L-NVY")).toBeUndefined(); // inactive
    expect(variantFromParam(variants, "GONE")).toBeUndefined();
    expect(variantFromParam(variants, "")).toBeUndefined();
    expect(variantFromParam(variants, ["M-NVY", "M-BLK"])).toBeUndefined();
    expect(variantFromParam(variants, undefined)).toBeUndefined();
  });

  it("finds only active variants", () => {
    expect(findVariant(variants, { size: "M", colour: "Navy" })?.sku).toBe("M-NVY");
    expect(findVariant(variants, { size: "L", colour: "Navy" })).toBeUndefined();
  });

  it("tells available, sold out and unavailable values apart", () => {
    const sel = { size: "M", colour: "Black" };
    expect(valueState(variants, sel, "size", "S")).toBe("sold_out");
    expect(valueState(variants, sel, "size", "M")).toBe("available");
    expect(valueState(variants, sel, "size", "L")).toBe("unavailable");
    expect(valueState(variants, { size: "S", colour: "Black" }, "colour", "Navy")).toBe("unavailable");
  });

  it("keeps a valid combination when a choice breaks the current one", () => {
    expect(choose(variants, { size: "S", colour: "Black" }, "colour", "Navy")).toEqual({ size: "M", colour: "Navy" });
    expect(choose(variants, { size: "M", colour: "Black" }, "colour", "Navy")).toEqual({ size: "M", colour: "Navy" });
  });

  it("words availability from available and low_stock", () => {
    expect(availabilityText(variants[0])).toBe("Sold out");
    expect(availabilityText(variants[1])).toBe("Only 2 left");
    expect(availabilityText(variants[2])).toBe("In stock");
    expect(availabilityText(undefined)).toBe("Unavailable");
  });
});
