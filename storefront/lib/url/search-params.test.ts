import { describe, expect, it } from "vitest";
import { asTypedHref, listingHref, listingQuery, parseListingState } from "./search-params";
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

describe("as_typed (the search for the words as typed)", () => {
  it("is read only as `true`", () => {
    expect(parseListingState({ q: "flanel", as_typed: "true" }).as_typed).toBe(true);
    for (const other of ["false", "1", "yes", "TRUE", "", undefined]) {
      expect(parseListingState({ q: "flanel", as_typed: other }).as_typed).toBeUndefined();
    }
  });
  it("links to the same search, filters and sort as typed, on its first page", () => {
    const state = parseListingState({ q: "flanel", option: "size:M", sort: "price_asc", cursor: "c1" });
    const href = asTypedHref("/search", state);
    expect(href).toBe("/search?q=flanel&as_typed=true&option=size%3AM&sort=price_asc");
    expect(parseListingState(Object.fromEntries(new URL(href, "http://x").searchParams))).toMatchObject({ q: "flanel", as_typed: true });
  });
  it("stays when a filter, the sort or the page changes, and goes with a new state", () => {
    const state = parseListingState({ q: "flanel", as_typed: "true" });
    expect(listingHref("/search", state, { in_stock: true })).toBe("/search?q=flanel&as_typed=true&in_stock=true");
    expect(listingHref("/search", state, { cursor: "c2" })).toBe("/search?q=flanel&as_typed=true&cursor=c2");
    expect(listingQuery({ q: "flanel", as_typed: false })).toBe("q=flanel");
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
  it("refuses a path whose dot segments resolve to another host", () => {
    for (const bad of ["/..//evil.example", "/.//evil.example", "/a/../..//evil.example"]) {
      expect(safeRedirectPath(bad, "/home")).toBe("/home");
    }
  });
  it("answers plain ASCII, fit for a Location header (non-ASCII was a 500)", () => {
    expect(safeRedirectPath("/search?q=caf\u00e9 cr\u00e8me#r\u00e9sum\u00e9")).toBe(
      "/search?q=caf%C3%A9%20cr%C3%A8me#r%C3%A9sum%C3%A9",
    );
    expect(safeRedirectPath("/\u3000/evil.example")).toBe("/%E3%80%80/evil.example");
    expect(safeRedirectPath("/\uff0fevil.example")).toBe("/%EF%BC%8Fevil.example");
    expect(safeRedirectPath("/a\ud800b")).toBe("/a%EF%BF%BDb");
    expect(safeRedirectPath("/account/orders?page=%2F2")).toBe("/account/orders?page=%2F2");
  });
});
