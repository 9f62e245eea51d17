import { describe, expect, it } from "vitest";
import { listingHref, listingQuery, parseListingState } from "./search-params";
import { safeRedirectPath } from "./safe-redirect";

describe("parseListingState", () => {
  it("reads every parameter and drops malformed ones", () => {
    const state = parseListingState({
      q: "  shirt ",
      option: ["size:M", "colour:Blue", "size:M", "bogus"],
      price_min: "1000",
      price_max: "-5",
      in_stock: "true",
      sort: "price_asc",
      cursor: ["abc", "def"],
    });
    expect(state).toEqual({
      q: "shirt",
      category: undefined,
      collection: undefined,
      option: ["colour:Blue", "size:M"],
      price_min: 1000,
      price_max: undefined,
      in_stock: true,
      sort: "price_asc",
      cursor: "abc",
    });
  });
});

describe("listingQuery / listingHref", () => {
  it("is canonical (stable order, no empties)", () => {
    expect(listingQuery({ sort: "new", option: ["size:M", "colour:Red"], q: "" })).toBe(
      "option=colour%3ARed&option=size%3AM&sort=new",
    );
  });
  it("round-trips through parse", () => {
    const href = listingHref("/search", parseListingState({}), { q: "red shoes", in_stock: false });
    expect(href).toBe("/search?q=red+shoes&in_stock=false");
    const params = Object.fromEntries(new URL(href, "http://x").searchParams);
    expect(parseListingState(params).q).toBe("red shoes");
  });
  it("resets the cursor when a filter changes but keeps it when paging", () => {
    const state = parseListingState({ category: "shirts", cursor: "c1" });
    expect(listingHref("/c/shirts", state, { sort: "price_desc" })).toBe("/c/shirts?category=shirts&sort=price_desc");
    expect(listingHref("/c/shirts", state, { cursor: "c2" })).toBe("/c/shirts?category=shirts&cursor=c2");
  });
});

describe("safeRedirectPath", () => {
  it("keeps same-site paths", () => {
    expect(safeRedirectPath("/account/orders?x=1")).toBe("/account/orders?x=1");
  });
  it("refuses anything that could leave the site", () => {
    for (const bad of ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/a\nb", "", null]) {
      expect(safeRedirectPath(bad, "/home")).toBe("/home");
    }
  });
});
