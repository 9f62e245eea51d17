/**
 * Address form helpers. The countries offered come from the API (`GET /shipping/countries`,
 * read by `lib/checkout/countries.ts`), the same list for the address book and the checkout.
 */
import type { Schema } from "@/lib/api/types";

export type AddressBody = Schema<"AddressCreate">;

/**
 * [code, English name] sorted by name, for a Country select. A `current` code that is not in the
 * list (a saved address from before a change) is kept, so the select shows what will be sent.
 */
export function countryOptions(codes: readonly string[], current?: string): Array<[string, string]> {
  const all = new Set<string>(codes.map((c) => c.toUpperCase()));
  if (current && /^[A-Za-z]{2}$/.test(current)) all.add(current.toUpperCase());
  return [...all].map((c): [string, string] => [c, countryName(c)]).sort((a, b) => a[1].localeCompare(b[1]));
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
