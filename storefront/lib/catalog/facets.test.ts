import { describe, expect, it } from "vitest";
import { parseListingState } from "@/lib/url/search-params";
import { activeFilters, buildFacetGroups, clearFiltersHref, priceBucketRange, priceLabel, selectedPriceBucket } from "./facets";

const facets = {
  categories: [{ value: "women", label: "Women", count: 5 }],
  options: {
    size: [
      { value: "XL", label: "XL", count: 1 },
      { value: "M", label: "M", count: 4 },
      { value: "S", label: "S", count: 3 },
    ],
    colour: [{ value: "Navy", label: "Navy", count: 2 }],
  },
  price: [
    { value: "0-2500", label: "0-25", count: 1 },
    { value: "2500-5000", label: "25-50", count: 2 },
    { value: "20000-", label: "200+", count: 0 },
  ],
};

describe("price buckets", () => {
  it("maps a bucket to an inclusive range and back", () => {
    expect(priceBucketRange("2500-5000")).toEqual({ price_min: 2500, price_max: 4999 });
    expect(priceBucketRange("20000-")).toEqual({ price_min: 20000 });
    expect(priceBucketRange("5000-2500")).toBeNull();
    expect(priceBucketRange("abc")).toBeNull();
    expect(selectedPriceBucket({ price_min: 2500, price_max: 4999 }, facets.price)).toBe("2500-5000");
    expect(selectedPriceBucket({ price_min: 2500 }, facets.price)).toBeUndefined();
  });

  it("labels buckets readably", () => {
    expect(priceLabel("0-2500", "x")).toBe("Under €25");
    expect(priceLabel("2500-5000", "x")).toBe("€25 – €50");
    expect(priceLabel("20000-", "x")).toBe("€200 and up");
    expect(priceLabel("junk", "fallback")).toBe("fallback");
  });
});

describe("buildFacetGroups", () => {
  it("orders sizes naturally and marks the selected values", () => {
    const state = parseListingState({ option: ["size:M"], price_min: "2500", price_max: "4999" });
    const groups = buildFacetGroups(facets, state);
    expect(groups.options.map((g) => g.label)).toEqual(["Colour", "Size"]);
    const size = groups.options.find((g) => g.name === "size")!;
    expect(size.choices.map((c) => c.label)).toEqual(["S", "M", "XL"]);
    expect(size.choices.filter((c) => c.selected).map((c) => c.value)).toEqual(["size:M"]);
    expect(groups.price.find((p) => p.selected)?.value).toBe("2500-5000");
  });

  it("keeps a selected value the facets no longer list, so it can be cleared", () => {
    const groups = buildFacetGroups({ ...facets, options: {} }, parseListingState({ option: "size:XS" }));
    expect(groups.options).toEqual([{ name: "size", label: "Size", choices: [{ value: "size:XS", label: "XS", count: 0, selected: true }] }]);
  });

  it("copes with no facets at all", () => {
    expect(buildFacetGroups(null, parseListingState({}))).toEqual({ categories: [], options: [], price: [] });
  });
});

describe("active filters", () => {
  it("lists each filter with a link that removes only it", () => {
    const state = parseListingState({ q: "shirt", option: ["size:M", "colour:Navy"], in_stock: "true", sort: "newest", cursor: "abc" });
    const chips = activeFilters("/search", state);
    expect(chips.map((c) => c.label)).toEqual(["Colour: Navy", "Size: M", "In stock only"]);
    expect(chips[0]!.href).toBe("/search?q=shirt&option=size%3AM&in_stock=true&sort=newest");
    expect(clearFiltersHref("/search", state)).toBe("/search?q=shirt&sort=newest");
  });
  it("keeps a search as typed when clearing its filters", () => {
    const state = parseListingState({ q: "flanel", as_typed: "true", option: "size:M", in_stock: "true" });
    expect(clearFiltersHref("/search", state)).toBe("/search?q=flanel&as_typed=true");
    expect(activeFilters("/search", state).map((c) => c.href)).toEqual([
      "/search?q=flanel&as_typed=true&in_stock=true",
      "/search?q=flanel&as_typed=true&option=size%3AM",
    ]);
  });
});
