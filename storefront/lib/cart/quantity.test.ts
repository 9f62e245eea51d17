import { describe, expect, it } from "vitest";
import { checkQuantity, limitMessage } from "./quantity";
import { failureFrom } from "./result";

describe("checkQuantity", () => {
  it("accepts whole numbers from 0 (remove) to the line's limit", () => {
    expect(checkQuantity(" 3 ", 20)).toEqual({ ok: true, quantity: 3 });
    expect(checkQuantity("0", 20)).toEqual({ ok: true, quantity: 0 });
    expect(checkQuantity("20", 20)).toEqual({ ok: true, quantity: 20 });
  });

  it("says why anything else is refused", () => {
    for (const typed of ["-3", "2.5", "", "abc", "1e3"]) {
      expect(checkQuantity(typed, 20)).toEqual({ ok: false, message: "Enter a whole number from 1 to 20." });
    }
    expect(checkQuantity("999", 20)).toEqual({ ok: false, message: "You can buy at most 20 of this item." });
  });

  it("words the API's quantity_limit with its limit", () => {
    const problem = { status: 422, code: "quantity_limit", detail: "Quantity of 'SKU-1' must be between 1 and 20.", max_quantity: 20 };
    expect(failureFrom(problem, 422).message).toBe(limitMessage(20));
    expect(failureFrom({ status: 422, code: "quantity_limit" }, 422).message).toBe("You cannot add more of that item.");
  });
});
