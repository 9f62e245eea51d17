import { describe, expect, it } from "vitest";
import { byteSize, refundable, statusLabel, utcMinute, waivedShipping } from "./format";

describe("admin formatting", () => {
  it("labels statuses", () => expect(statusLabel("partially_refunded")).toBe("partially refunded"));
  it("shortens instants", () => expect(utcMinute("2026-12-02T11:53:09.123Z")).toBe("2026-12-02 11:53"));
  it("caps refunds at what was captured", () => {
    expect(refundable(1000, 300)).toBe(700);
    expect(refundable(1000, 1200)).toBe(0);
  });
  it("sizes bytes in powers of 1024", () => {
    expect(byteSize(512)).toBe("512 B");
    expect(byteSize(1536)).toBe("1.5 KB");
    expect(byteSize(12 * 1024 * 1024)).toBe("12.0 MB");
    expect(byteSize(3 * 1024 ** 5)).toBe("3072.0 TB");
  });
});

describe("waivedShipping", () => {
  const order = (code: string | null, paid: number, price: unknown) => ({
    discount_code: code,
    shipping_total: { amount: paid },
    shipping_method: { code: "express", price },
  });
  it("is the method's price when a code made shipping free", () => {
    expect(waivedShipping(order("FREESHIP", 0, 995))).toBe(995);
  });
  it("is 0 when shipping was paid, no code was used, or the price is unknown", () => {
    expect(waivedShipping(order("TENOFF", 995, 995))).toBe(0);
    expect(waivedShipping(order(null, 0, 995))).toBe(0);
    expect(waivedShipping(order("FREESHIP", 0, undefined))).toBe(0);
  });
});
