import { describe, expect, it } from "vitest";
import { formatMoney, formatPriceRange, minorUnitDigits, toMajorUnits } from "./money";

// Intl output contains narrow no-break spaces in some locales; compare with normalised spaces.
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("formatMoney", () => {
  it("formats minor units with the currency's fraction digits", () => {
    expect(formatMoney({ amount: 1999, currency: "EUR" }, "en-GB")).toBe("€19.99");
    expect(norm(formatMoney({ amount: 1999, currency: "EUR" }, "de-DE"))).toBe("19,99 €");
    expect(formatMoney({ amount: 500, currency: "JPY" }, "en-GB")).toBe("JP¥500");
    expect(norm(formatMoney({ amount: 1234, currency: "KWD" }, "en-GB"))).toBe("KWD 1.234");
    expect(formatMoney({ amount: 0, currency: "USD" }, "en-US")).toBe("$0.00");
    expect(formatMoney({ amount: 123456789, currency: "USD" }, "en-US")).toBe("$1,234,567.89");
  });
  it("keeps negative amounts (refunds, discounts)", () => {
    expect(formatMoney({ amount: -250, currency: "EUR" }, "en-GB")).toBe("-€2.50");
  });
});

describe("minorUnitDigits / toMajorUnits", () => {
  it("knows zero- and three-decimal currencies", () => {
    expect(minorUnitDigits("EUR")).toBe(2);
    expect(minorUnitDigits("JPY")).toBe(0);
    expect(minorUnitDigits("BHD")).toBe(3);
    expect(toMajorUnits({ amount: 1050, currency: "EUR" })).toBe(10.5);
  });
});

describe("formatPriceRange", () => {
  it("shows one price when min and max agree", () => {
    expect(formatPriceRange({ amount: 1000, currency: "EUR" }, { amount: 1000, currency: "EUR" })).toBe("€10.00");
    expect(formatPriceRange({ amount: 1000, currency: "EUR" }, null)).toBe("€10.00");
  });
  it("shows a range otherwise", () => {
    expect(formatPriceRange({ amount: 1000, currency: "EUR" }, { amount: 2500, currency: "EUR" })).toBe("€10.00 – €25.00");
  });
});
