import { describe, expect, it } from "vitest";
import { shippingWaiver, waiverText } from "./shipping-waiver";

const eur = (amount: number) => ({ amount, currency: "EUR" });

describe("shippingWaiver", () => {
  it("is the listed price against the charged shipping, with the code", () => {
    const waiver = shippingWaiver(995, eur(0), "FREESHIP");
    expect(waiver).toEqual({ listed: eur(995), charged: eur(0), code: "FREESHIP" });
    expect(waiverText(waiver!)).toBe("Free with FREESHIP (was €9.95)");
    expect(waiverText(shippingWaiver(995, eur(200), null)!)).toBe("€2.00 (was €9.95)");
  });

  it("is nothing when shipping was charged in full or the price is unknown", () => {
    expect(shippingWaiver(995, eur(995), "WELCOME10")).toBeNull();
    expect(shippingWaiver(0, eur(0), "FREESHIP")).toBeNull();
    expect(shippingWaiver(undefined, eur(0), "FREESHIP")).toBeNull();
    expect(shippingWaiver("9.95", eur(0), "FREESHIP")).toBeNull();
  });
});
