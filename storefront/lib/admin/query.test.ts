import { describe, expect, it } from "vitest";
import { dayBound, hrefWith, one } from "./query";

describe("admin query helpers", () => {
  it("keeps non-empty values only", () => {
    expect(hrefWith("/admin/orders", { status: "paid", q: "", cursor: undefined })).toBe("/admin/orders?status=paid");
    expect(hrefWith("/admin/orders", {})).toBe("/admin/orders");
  });
  it("reads single values", () => {
    expect(one({ a: "x", b: ["y"], c: "" }, "a")).toBe("x");
    expect(one({ b: ["y"] }, "b")).toBeUndefined();
    expect(one({ c: "" }, "c")).toBeUndefined();
  });
  it("turns a day into UTC bounds (the end is exclusive)", () => {
    expect(dayBound("2026-12-02")).toBe("2026-12-02T00:00:00.000Z");
    expect(dayBound("2026-12-02", true)).toBe("2026-12-03T00:00:00.000Z");
    expect(dayBound("02/12/2026")).toBeUndefined();
  });
});
