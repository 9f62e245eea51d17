import { describe, expect, it } from "vitest";
import { isDecodablePath } from "./path";

describe("isDecodablePath", () => {
  it("accepts plain and well-formed percent-encoded paths", () => {
    for (const ok of ["/", "/p/linen-shirt", "/search", "/p/caf%C3%A9", "/media/demo/a%20b.svg", "/track/%E2%80%AE"]) {
      expect(isDecodablePath(ok)).toBe(true);
    }
  });
  it("refuses escapes that are not UTF-8 (Next answered them 500)", () => {
    for (const bad of ["/p/%FF", "/p/%ED%A0%80", "/orders/%C0%AE", "/media/%E3%80", "/p/%", "/p/%zz"]) {
      expect(isDecodablePath(bad)).toBe(false);
    }
  });
});
