import { describe, expect, it } from "vitest";
import { addressFields, countryOptions } from "./address-form";

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
  it("names the allowed countries, sorted by name, and keeps a saved unknown code", () => {
    const options = countryOptions("CH");
    expect(options).toContainEqual(["DE", "Germany"]);
    expect(options).toContainEqual(["CH", "Switzerland"]);
    const names = options.map(([, n]) => n);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });
});
