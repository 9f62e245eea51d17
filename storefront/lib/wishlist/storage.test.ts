import { describe, expect, it } from "vitest";
import { MAX_WISHLIST_ITEMS, mergeWishlists, parseWishlist, serializeWishlist, toggleEntry, toggleSlug, unknownItems } from "./storage";

describe("parseWishlist", () => {
  it("round-trips entries", () => {
    const entries = [
      { slug: "linen-shirt", name: "Linen shirt" },
      { slug: "wool-socks", name: "Wool socks" },
    ];
    expect(parseWishlist(serializeWishlist(entries))).toEqual(entries);
  });
  it("drops garbage, invalid slugs and duplicates", () => {
    expect(parseWishlist("not json")).toEqual([]);
    expect(parseWishlist('{"slug":"a"}')).toEqual([]);
    expect(parseWishlist(null)).toEqual([]);
    const raw = JSON.stringify([
      { slug: "ok", name: "OK" },
      { slug: "ok", name: "again" },
      { slug: "../etc", name: "bad" },
      { slug: "no-name" },
      null,
      "string",
    ]);
    expect(parseWishlist(raw)).toEqual([
      { slug: "ok", name: "OK" },
      { slug: "no-name", name: "no-name" },
    ]);
  });
});

describe("toggle", () => {
  it("adds to the front without duplicates and removes", () => {
    const a = { slug: "a", name: "A" };
    const b = { slug: "b", name: "B" };
    expect(toggleEntry([a], b, true)).toEqual([b, a]);
    expect(toggleEntry([a, b], a, true)).toEqual([a, b]);
    expect(toggleEntry([a, b], a, false)).toEqual([b]);
    expect(toggleSlug(["a", "b"], "b", true)).toEqual(["b", "a"]);
    expect(toggleSlug(["a", "b"], "c", false)).toEqual(["a", "b"]);
  });
});

describe("mergeWishlists", () => {
  it("keeps the account's order and appends the guest's new items", () => {
    expect(mergeWishlists(["a", "b"], ["c", "a", "d"])).toEqual(["a", "b", "c", "d"]);
    expect(mergeWishlists([], ["x"])).toEqual(["x"]);
    expect(mergeWishlists(["bad/slug", "a"], ["a"])).toEqual(["a"]);
  });
  it("caps the union at the API's maximum, account items first", () => {
    const account = Array.from({ length: MAX_WISHLIST_ITEMS - 1 }, (_, i) => `a${i}`);
    const merged = mergeWishlists(account, ["g1", "g2"]);
    expect(merged).toHaveLength(MAX_WISHLIST_ITEMS);
    expect(merged.at(-1)).toBe("g1");
  });
});

describe("unknownItems", () => {
  it("reads the items of a 422 unknown_product and nothing else", () => {
    expect(unknownItems(422, { code: "unknown_product", items: ["gone-mug", "../x", 3] })).toEqual(["gone-mug"]);
    expect(unknownItems(422, { code: "validation_error", items: ["a"] })).toEqual([]);
    expect(unknownItems(500, { code: "unknown_product", items: ["a"] })).toEqual([]);
    expect(unknownItems(422, null)).toEqual([]);
    expect(unknownItems(422, { code: "unknown_product" })).toEqual([]);
  });
});
