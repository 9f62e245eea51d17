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
