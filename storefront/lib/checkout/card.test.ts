import { describe, expect, it } from "vitest";
import { cardFields, formatCardNumber, parseExpiry } from "./card";

describe("card form helpers", () => {
  it("groups the digits in fours", () => {
    expect(formatCardNumber("4242424242424242")).toBe("4242 4242 4242 4242");
    expect(formatCardNumber("4242-42a42")).toBe("4242 4242");
  });
  it("parses expiry dates", () => {
    expect(parseExpiry("12/34")).toEqual({ month: 12, year: 2034 });
    expect(parseExpiry(" 1 / 2031 ")).toEqual({ month: 1, year: 2031 });
    expect(parseExpiry("0934")).toEqual({ month: 9, year: 2034 });
    for (const bad of ["13/30", "00/30", "12/3", "", "ab/cd"]) expect(parseExpiry(bad)).toBeNull();
  });
  it("builds the confirm body or names the field to fix", () => {
    expect(cardFields({ number: "4242 4242 4242 4242", expiry: "12/34", cvc: "123" })).toEqual({
      ok: true,
      card: { card_number: "4242424242424242", exp_month: 12, exp_year: 2034, cvc: "123" },
    });
    expect(cardFields({ number: "4242", expiry: "12/34", cvc: "123" })).toMatchObject({ ok: false, field: "number" });
    expect(cardFields({ number: "4242424242424242", expiry: "1234x", cvc: "123" })).toMatchObject({ ok: false, field: "expiry" });
    expect(cardFields({ number: "4242424242424242", expiry: "12/34", cvc: "12" })).toMatchObject({ ok: false, field: "cvc" });
  });
});
