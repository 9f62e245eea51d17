/**
 * Address form helpers. The countries offered come from the API (`GET /shipping/countries`,
 * read by `lib/checkout/countries.ts`), the same list for the address book and the checkout.
 */
import type { Schema } from "@/lib/api/types";

export type AddressBody = Schema<"AddressCreate">;

/** A country as `GET /shipping/countries` lists it (`countries[]`): its code and English name. */
export type NamedCountry = Pick<Schema<"ShippingCountryRead">, "code" | "name">;

/**
 * [code, English name] sorted by name, for a Country select: the API's names (the browser's
 * for a code the API has no name for). A `current` code that is not in the list (a saved address
 * from before a change) is kept, so the select shows what will be sent.
 */
export function countryOptions(countries: readonly NamedCountry[], current?: string): Array<[string, string]> {
  const names = new Map<string, string>();
  for (const { code, name } of countries) {
    const upper = code.toUpperCase();
    names.set(upper, name && name.toUpperCase() !== upper ? name : countryName(upper));
  }
  if (current && /^[A-Za-z]{2}$/.test(current) && !names.has(current.toUpperCase())) names.set(current.toUpperCase(), countryName(current.toUpperCase()));
  return [...names].sort((a, b) => a[1].localeCompare(b[1]));
}

/** `options` with `code` added (by name) when missing: a select must show the value it submits. */
export function withCountry(options: Array<[string, string]>, code: string): Array<[string, string]> {
  if (!code || options.some(([c]) => c === code)) return options;
  return [...options, [code, countryName(code)] as [string, string]].sort((a, b) => a[1].localeCompare(b[1]));
}

/** What an address form needs to know of a country (`countries[]` of `GET /shipping/countries`). */
export type CountryFormInfo = Pick<Schema<"ShippingCountryRead">, "code" | "postal_code_example" | "region_required">;

/** Per country code (upper case): its postal code's example (null: any is accepted) and whether a state/province is required. */
export type CountryHints = Record<string, { postalCodeExample: string | null; regionRequired: boolean }>;

/** The API's countries as hints for the checkout's and the address book's forms (plain data, so a client component can take it). */
export function countryHints(countries: readonly CountryFormInfo[]): CountryHints {
  const hints: CountryHints = {};
  for (const c of countries) hints[c.code.toUpperCase()] = { postalCodeExample: c.postal_code_example?.trim() || null, regionRequired: c.region_required };
  return hints;
}

/**
 * What the address form shows for `country`: whether it asks for a state/province, and the
 * Postal code field's hint ("For example 10115"; null when the country has no example or is not
 * one the API lists). The one rule behind the checkout's and the address book's forms.
 */
export function addressHints(hints: CountryHints, country: string): { regionRequired: boolean; postalCodeHint: string | null } {
  const known = Object.hasOwn(hints, country.toUpperCase()) ? hints[country.toUpperCase()] : undefined;
  return {
    regionRequired: known?.regionRequired ?? false,
    postalCodeHint: known?.postalCodeExample ? `For example ${known.postalCodeExample}` : null,
  };
}

export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(["en"], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
}

/** The request body from the address form's fields (the API validates and normalises). */
export function addressFields(form: FormData): AddressBody {
  return {
    full_name: text(form, "full_name"),
    company: text(form, "company"),
    line1: text(form, "line1"),
    line2: text(form, "line2"),
    postal_code: text(form, "postal_code"),
    city: text(form, "city"),
    region: text(form, "region"),
    country: text(form, "country").toUpperCase(),
    phone: text(form, "phone"),
    is_default: form.get("is_default") === "on",
  };
}
