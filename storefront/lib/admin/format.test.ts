import { describe, expect, it } from "vitest";
import { byteSize, refundable, statusLabel, utcMinute } from "./format";

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
