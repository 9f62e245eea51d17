import { describe, expect, it } from "vitest";
import { addressLines, formatDate, orderStatusLabel } from "./format";

describe("orderStatusLabel", () => {
  it("names known statuses and humanizes new ones", () => {
    expect(orderStatusLabel("pending_payment")).toBe("Awaiting payment");
    expect(orderStatusLabel("on_hold")).toBe("On hold");
    expect(orderStatusLabel("")).toBe("Unknown");
  });
});

describe("formatDate", () => {
  it("formats ISO timestamps in UTC and keeps garbage", () => {
    expect(formatDate("2026-12-02T23:30:00Z")).toBe("2 December 2026");
    expect(formatDate("nope")).toBe("nope");
  });
});

describe("addressLines", () => {
  it("skips empty parts and names the country", () => {
    expect(
      addressLines({ full_name: "Ada", company: "", line1: "1 Main St", postal_code: "10115", city: "Berlin", country: "DE", phone: 5 }, (c) => (c === "DE" ? "Germany" : c)),
    ).toEqual(["Ada", "1 Main St", "10115 Berlin", "Germany"]);
    expect(addressLines({ first_name: "Ada", last_name: "Lovelace", line1: "x", city: "Y", country: "GB" })).toEqual(["Ada Lovelace", "x", "Y", "GB"]);
  });
});
