import { describe, expect, it } from "vitest";
import { isFinal, normaliseTrackingNumber, statusLabel } from "./tracking";

describe("tracking helpers", () => {
  it("normalises what people type", () => {
    expect(normaliseTrackingNumber(" mp12ab-34cd ")).toBe("MP12AB34CD");
    expect(normaliseTrackingNumber("ab")).toBeNull();
    expect(normaliseTrackingNumber("../etc/passwd")).toBeNull();
    expect(normaliseTrackingNumber("x".repeat(65))).toBeNull();
  });

  it("labels statuses and knows the final ones", () => {
    expect(statusLabel("out_for_delivery")).toBe("Out for delivery");
    expect(statusLabel("something_new")).toBe("something new");
    expect(isFinal("delivered")).toBe(true);
    expect(isFinal("exception")).toBe(false);
  });
});
