import { describe, expect, it } from "vitest";
import { firstForwardedAddress } from "./shopper-address";

describe("firstForwardedAddress", () => {
  it("takes the first entry the edge set", () => {
    expect(firstForwardedAddress("203.0.113.9")).toBe("203.0.113.9");
    expect(firstForwardedAddress(" 203.0.113.9 , 10.0.0.2")).toBe("203.0.113.9");
    expect(firstForwardedAddress("2001:db8::1")).toBe("2001:db8::1");
  });
  it("ignores what is no address", () => {
    for (const bad of [null, undefined, "", "unknown", "evil\r\nX-Injected: 1", "<script>", "a".repeat(60)]) {
      expect(firstForwardedAddress(bad)).toBeNull();
    }
  });
});
