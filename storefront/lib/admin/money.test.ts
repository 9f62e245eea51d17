import { describe, expect, it } from "vitest";
import { amountInput, parseAmount } from "./money";

describe("parseAmount", () => {
  it("reads decimals with a point or a comma", () => {
    expect(parseAmount("12.50")).toBe(1250);
    expect(parseAmount("12,5")).toBe(1250);
    expect(parseAmount("12")).toBe(1200);
    expect(parseAmount("0.07")).toBe(7);
    expect(parseAmount(" 1 299 ")).toBe(129900);
  });
  it("refuses what is not an amount", () => {
    for (const bad of ["", "abc", "-1", "1.234", "1e3", "12.5.0", "€12"]) expect(parseAmount(bad)).toBeNull();
  });
});

describe("amountInput", () => {
  it("formats minor units for an input", () => {
    expect(amountInput(1250)).toBe("12.50");
    expect(amountInput(7)).toBe("0.07");
    expect(amountInput(null)).toBe("");
  });
});
