import { describe, expect, it } from "vitest";
import { addressFields, addressHints, countryHints, countryOptions, withCountry } from "./address-form";

describe("addressFields", () => {
  it("trims text, upper-cases the country and reads the default checkbox", () => {
    const form = new FormData();
    form.set("full_name", "  Ada Lovelace ");
    form.set("line1", "1 Main St");
    form.set("postal_code", "10115");
    form.set("city", "Berlin");
    form.set("country", "de");
    form.set("is_default", "on");
    expect(addressFields(form)).toEqual({
      full_name: "Ada Lovelace",
      company: "",
      line1: "1 Main St",
      line2: "",
      postal_code: "10115",
      city: "Berlin",
      region: "",
      country: "DE",
      phone: "",
      is_default: true,
    });
  });
});

describe("countryOptions", () => {
  const api = (code: string, name: string) => ({ code, name });

  it("shows the API's names, sorted by name, and keeps a saved code it does not list", () => {
    const options = countryOptions([api("LU", "Luxembourg"), api("DE", "Germany"), api("AT", "Austria"), api("be", "Belgium")], "CH");
    expect(options).toEqual([
      ["AT", "Austria"],
      ["BE", "Belgium"],
      ["DE", "Germany"],
      ["LU", "Luxembourg"],
      ["CH", "Switzerland"],
    ]);
    expect(countryOptions([api("DE", "Germany")], "de")).toEqual([["DE", "Germany"]]);
  });

  it("uses the name the API gives, not the browser's, and the browser's when the API has none", () => {
    // a code given as its own name: the API has no name for it
    expect(countryOptions([api("GB", "Great Britain (API)"), api("JP", "JP")])).toEqual([
      ["GB", "Great Britain (API)"],
      ["JP", "Japan"],
    ]);
  });
});

describe("withCountry", () => {
  it("adds the value a select will submit when it is not offered (so the select shows it)", () => {
    const offered: Array<[string, string]> = [["DE", "Germany"], ["FR", "France"]].sort((a, b) => a[1]!.localeCompare(b[1]!)) as Array<[string, string]>;
    expect(withCountry(offered, "DE")).toBe(offered);
    expect(withCountry(offered, "LU").map(([c]) => c)).toEqual(["FR", "DE", "LU"]);
  });
});

describe("countryHints and addressHints", () => {
  const hints = countryHints([
    { code: "DE", postal_code_example: "10115", region_required: false },
    { code: "us", postal_code_example: "94105", region_required: true },
    { code: "CH", postal_code_example: null, region_required: false },
    { code: "CA", postal_code_example: " ", region_required: true },
  ]);

  it("asks for a state/province only where the API requires one", () => {
    expect(addressHints(hints, "US").regionRequired).toBe(true);
    expect(addressHints(hints, "us").regionRequired).toBe(true);
    expect(addressHints(hints, "CA").regionRequired).toBe(true);
    expect(addressHints(hints, "DE").regionRequired).toBe(false);
    expect(addressHints(hints, "CH").regionRequired).toBe(false);
  });

  it("gives the chosen country's postal code example as the hint, none where it has no example", () => {
    expect(addressHints(hints, "DE").postalCodeHint).toBe("For example 10115");
    expect(addressHints(hints, "US").postalCodeHint).toBe("For example 94105");
    expect(addressHints(hints, "CH").postalCodeHint).toBeNull();
    expect(addressHints(hints, "CA").postalCodeHint).toBeNull();
  });

  it("knows nothing of a country the API does not list (a saved address's old country)", () => {
    expect(addressHints(hints, "LU")).toEqual({ regionRequired: false, postalCodeHint: null });
    expect(addressHints(hints, "")).toEqual({ regionRequired: false, postalCodeHint: null });
  });
});
