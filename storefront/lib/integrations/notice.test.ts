import { describe, expect, it } from "vitest";
import { toNotice, weatherAddressOf, weatherQuery, type WeatherRead } from "./notice";

const base: WeatherRead = {
  available: true,
  source: "fixtures",
  location: { latitude: 53.55, longitude: 9.99, city: "Hamburg", country: "DE", approximate: false },
  delivery_may_be_delayed: true,
  hazards: ["storm"],
  message: "Severe weather (storm-force wind) is forecast near Hamburg from Thu 3 Dec: your delivery may be delayed.",
  days: [],
};

describe("toNotice", () => {
  it("gives the API's message when delivery may be delayed", () => {
    expect(toNotice(base)).toEqual({ message: base.message, hazards: ["storm"] });
  });
  it("gives nothing for calm weather, an unavailable provider or no answer", () => {
    expect(toNotice({ ...base, delivery_may_be_delayed: false, hazards: [], message: null })).toBeNull();
    expect(toNotice({ ...base, available: false })).toBeNull();
    expect(toNotice(undefined)).toBeNull();
  });
});

describe("weatherQuery", () => {
  it("asks by country with a postal code and city", () => {
    expect(weatherQuery({ country: "de", postal_code: " 20095 ", city: "Hamburg" })).toEqual({ country: "DE", postal_code: "20095", city: "Hamburg" });
  });
  it("does not ask for incomplete or odd addresses", () => {
    expect(weatherQuery({ country: "DE" })).toBeNull();
    expect(weatherQuery({ country: "Germany", postal_code: "20095" })).toBeNull();
    expect(weatherQuery({ country: "DE", postal_code: "<script>", city: "" })).toBeNull();
  });
});

describe("weatherAddressOf", () => {
  it("reads the weather fields of a cart address", () => {
    expect(weatherAddressOf({ country: "DE", postal_code: "20095", city: "Hamburg", line1: "x" })).toEqual({ country: "DE", postal_code: "20095", city: "Hamburg" });
    expect(weatherAddressOf(null)).toBeNull();
    expect(weatherAddressOf({ country: 7 })).toEqual({ country: "", postal_code: "", city: "" });
  });
});
