import { describe, expect, it } from "vitest";
import type { CartRead } from "@/lib/api/types";
import { lineProblem, removeLine, setLineQuantity } from "./optimistic";
import { failureFrom, messageFor } from "./result";

const eur = (amount: number) => ({ amount, currency: "EUR" });
const line = (id: string, unit: number, quantity: number) => ({
  id, sku: id, quantity, product_title: "T", variant_title: "M", product_slug: "t", image_url: null,
  unit_price: eur(unit), line_total: eur(unit * quantity), available: 10, max_quantity: 5, unavailable: false, insufficient_stock: false,
});
const cart = {
  id: "c", lines: [line("a", 1000, 1), line("b", 250, 2)], item_count: 3, subtotal: eur(1500), total: eur(1990),
} as unknown as CartRead;

describe("optimistic cart edits", () => {
  it("changes a quantity with provisional totals, clamped to the line's limits", () => {
    const next = setLineQuantity(cart, "a", 3);
    expect(next.lines[0]).toMatchObject({ quantity: 3, line_total: eur(3000) });
    expect(next).toMatchObject({ item_count: 5, subtotal: eur(3500), total: eur(3990) });
    expect(setLineQuantity(cart, "a", 99).lines[0]!.quantity).toBe(5);
    expect(setLineQuantity(cart, "a", 0).lines[0]!.quantity).toBe(1);
    expect(cart.lines[0]!.quantity).toBe(1); // the original is untouched (rollback target)
  });
  it("removes a line", () => {
    expect(removeLine(cart, "b")).toMatchObject({ item_count: 1, subtotal: eur(1000), total: eur(1490) });
  });
  it("describes lines the API flags", () => {
    expect(lineProblem({ unavailable: false, insufficient_stock: false, available: 3 })).toBeNull();
    expect(lineProblem({ unavailable: true, insufficient_stock: false, available: 0 })).toContain("No longer available");
    expect(lineProblem({ unavailable: false, insufficient_stock: true, available: 2 })).toBe("Only 2 left — lower the quantity.");
    expect(lineProblem({ unavailable: false, insufficient_stock: true, available: 0 })).toContain("Sold out");
  });
});

describe("action failures", () => {
  it("uses the shop's wording for known codes and the API's otherwise", () => {
    expect(failureFrom({ code: "request_in_progress", detail: "x" }, 409).message).toBe(messageFor("request_in_progress"));
    expect(failureFrom({ code: "discount_min_spend", detail: "Spend 50 first." }, 422).message).toBe("Spend 50 first.");
    expect(failureFrom({}, 503)).toMatchObject({ code: "unavailable" });
    const invalid = { code: "validation_error", detail: "The request is invalid; see `errors`.", errors: [{ loc: ["body", "shipping_address", "postal_code"], msg: "String should have at most 16 characters" }] };
    expect(failureFrom(invalid, 422)).toMatchObject({
      message: "The request is invalid. Postal code: Use at most 16 characters.",
      fieldErrors: { postal_code: "Use at most 16 characters." },
    });
  });

  it("maps the fields of any problem with errors (invalid_address) and never says see `errors`", () => {
    const problem = {
      status: 422,
      code: "invalid_address",
      detail: "The address is invalid; see `errors`.",
      errors: [{ loc: ["shipping_address", "postal_code"], msg: "Not a valid postal code for DE.", type: "postal_code_format" }],
    };
    const failure = failureFrom(problem, 422);
    expect(failure.message).toBe("The address is invalid. Postal code: Not a valid postal code for DE.");
    expect(failure.fieldErrors).toEqual({ postal_code: "Not a valid postal code for DE." });
    expect(failureFrom({ code: "discount_min_spend", detail: "Spend 50 first." }, 422).fieldErrors).toBeUndefined();
  });
});
