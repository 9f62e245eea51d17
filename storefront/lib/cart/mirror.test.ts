import { describe, expect, it } from "vitest";
import { badgeCount, isCartId, parseCartMirror, serializeCartMirror } from "./mirror";

const ID = "0b7c6f2e-3d1a-4e8b-9c2d-5f6a7b8c9d0e";

describe("cart mirror", () => {
  it("round-trips id and count", () => {
    expect(parseCartMirror(serializeCartMirror({ id: ID, count: 3 }))).toEqual({ id: ID, count: 3 });
  });
  it("normalises the id and the count", () => {
    expect(parseCartMirror(JSON.stringify({ id: ID.toUpperCase(), count: 2.9 }))).toEqual({ id: ID, count: 2 });
    expect(parseCartMirror(JSON.stringify({ id: ID, count: -4 }))).toEqual({ id: ID, count: 0 });
    expect(parseCartMirror(JSON.stringify({ id: ID, count: "7" }))).toEqual({ id: ID, count: 0 });
  });
  it("treats malformed values as no cart", () => {
    for (const raw of [null, "", "{", "[]", "null", '"x"', JSON.stringify({ id: "../etc", count: 1 })]) {
      expect(parseCartMirror(raw)).toBeNull();
    }
  });
  it("accepts only UUIDs as cart ids", () => {
    expect(isCartId(ID)).toBe(true);
    expect(isCartId("not-a-uuid")).toBe(false);
    expect(isCartId(42)).toBe(false);
  });
});

describe("badgeCount", () => {
  it("counts the items of an open cart only", () => {
    expect(badgeCount({ status: "open", item_count: 3 })).toBe(3);
    expect(badgeCount({ status: "checked_out", item_count: 1 })).toBe(0); // ordered, payment pending
    expect(badgeCount(null)).toBe(0);
  });
});
