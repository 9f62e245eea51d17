import { describe, expect, it } from "vitest";
import { shipmentsFilters, shipmentsFlash, shipmentsHref, shipmentsReturn } from "./shipments-list";

const delivered = { id: "s1", tracking_number: "SIM123", status: "delivered" };
const voided = { id: "s1", tracking_number: "SIM123", status: "voided" };

describe("shipmentsFlash", () => {
  it("says the outcome the shipment the page read really has, naming its tracking number", () => {
    expect(shipmentsFlash("delivered", "s1", delivered)).toBe("Shipment SIM123 marked delivered.");
    expect(shipmentsFlash("voided", "s1", voided)).toBe("Label SIM123 voided: its items can be shipped again.");
  });

  it("says nothing for an unknown outcome, another or missing shipment, or a status that is not the outcome", () => {
    expect(shipmentsFlash(undefined, undefined, undefined)).toBeNull();
    expect(shipmentsFlash("hacked", "s1", delivered)).toBeNull();
    expect(shipmentsFlash("cancelled", "s1", delivered)).toBeNull();
    expect(shipmentsFlash("delivered", "s1", null)).toBeNull();
    expect(shipmentsFlash("delivered", undefined, delivered)).toBeNull();
    expect(shipmentsFlash("delivered", "other", delivered)).toBeNull();
    expect(shipmentsFlash("delivered", "s1", { ...delivered, status: "in_transit" })).toBeNull();
    expect(shipmentsFlash("voided", "s1", delivered)).toBeNull();
  });
});

describe("the list's filters and return_to", () => {
  it("keeps only known, valid filters", () => {
    expect(shipmentsFilters({ status: "in_transit", exception: "true", carrier: "Simulated", cursor: "abc-_9", evil: "x" })).toEqual({
      status: "in_transit",
      exception: "true",
      carrier: "simulated",
      cursor: "abc-_9",
    });
    expect(shipmentsFilters({ status: "lost", exception: "yes", carrier: "no such!", cursor: "<script>" })).toEqual({});
  });

  it("round-trips the list's href and adds the outcome", () => {
    const href = shipmentsHref({ status: "in_transit", exception: "true", carrier: "simulated", cursor: "abc" });
    expect(href).toBe("/admin/shipments?status=in_transit&exception=true&carrier=simulated&cursor=abc");
    const back = shipmentsReturn(href);
    expect(back).not.toBeNull();
    expect(shipmentsHref(back!, { done: "delivered", shipment: "s1" })).toBe(`${href}&done=delivered&shipment=s1`);
    expect(shipmentsReturn("/admin/shipments")).toEqual(shipmentsFilters({}));
  });

  it("refuses anything but the list's own path, and drops unknown parameters", () => {
    for (const bad of ["https://evil.example/admin/shipments", "//evil.example/admin/shipments", "/admin/orders", "/admin/shipments/x", "/admin/shipments#x", "/admin/shipments?a=1?b", "order", "", undefined, null, 3]) {
      expect(shipmentsReturn(bad)).toBeNull();
    }
    const back = shipmentsReturn("/admin/shipments?status=delivered&next=https://evil.example&carrier=a%20b&done=voided");
    expect(shipmentsHref(back!)).toBe("/admin/shipments?status=delivered");
  });
});
