import { describe, expect, it } from "vitest";
import { orderFlash } from "./order-flash";

const shipments = [{ id: "s1", carrier: "simulated", tracking_number: "SIM123" }];

describe("orderFlash", () => {
  it("says each outcome, naming the shipment", () => {
    expect(orderFlash("cancelled", undefined, [])).toBe("Order cancelled.");
    expect(orderFlash("shipped", "s1", shipments)).toBe("Label bought: simulated tracking number SIM123.");
    expect(orderFlash("delivered", "s1", shipments)).toBe("Shipment SIM123 marked delivered.");
    expect(orderFlash("voided", "s1", shipments)).toBe("Label SIM123 voided: its items can be shipped again.");
  });

  it("says nothing for an unknown outcome or a shipment not of this order", () => {
    expect(orderFlash(undefined, undefined, shipments)).toBeNull();
    expect(orderFlash("hacked", "s1", shipments)).toBeNull();
    expect(orderFlash("shipped", "other", shipments)).toBeNull();
    expect(orderFlash("shipped", undefined, shipments)).toBeNull();
  });
});
