import { describe, expect, it } from "vitest";
import { MAX_RECENTLY_VIEWED, parseRecentlyViewed, pushRecentlyViewed } from "./index";

describe("recently viewed", () => {
  it("puts the latest first without duplicates", () => {
    expect(pushRecentlyViewed(["a", "b", "c"], "b")).toEqual(["b", "a", "c"]);
    expect(pushRecentlyViewed([], "a")).toEqual(["a"]);
  });
  it("keeps at most the maximum", () => {
    const many = Array.from({ length: MAX_RECENTLY_VIEWED }, (_, i) => `p${i}`);
    const next = pushRecentlyViewed(many, "new");
    expect(next).toHaveLength(MAX_RECENTLY_VIEWED);
    expect(next[0]).toBe("new");
    expect(next).not.toContain(`p${MAX_RECENTLY_VIEWED - 1}`);
  });
  it("ignores invalid slugs and garbage", () => {
    expect(pushRecentlyViewed(["a"], "../x")).toEqual(["a"]);
    expect(parseRecentlyViewed("{")).toEqual([]);
    expect(parseRecentlyViewed(JSON.stringify(["a", "a", 3, "b c", "b"]))).toEqual(["a", "b"]);
  });
});
