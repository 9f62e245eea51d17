/**
 * Address form helpers. The API does not publish which countries checkout accepts, so the country
 * select offers the API's default `checkout.allowed_countries`; checkout still validates.
 */
import type { Schema } from "@/lib/api/types";

export type AddressBody = Schema<"AddressCreate">;

/** The API's default `MERCATO_CHECKOUT__ALLOWED_COUNTRIES` (backend/src/mercato/platform/config.py). */
export const ADDRESS_COUNTRIES = [
  "AT", "BE", "CA", "DE", "DK", "ES", "FR", "GB", "IE", "IT", "LU", "NL", "PL", "PT", "SE", "US",
] as const;

/** [code, English name] sorted by name, for the country select (keeps an unknown saved code). */
export function countryOptions(current?: string): Array<[string, string]> {
  const names = new Intl.DisplayNames(["en"], { type: "region" });
  const codes = new Set<string>(ADDRESS_COUNTRIES);
  if (current && /^[A-Z]{2}$/.test(current)) codes.add(current);
  return [...codes].map((c): [string, string] => [c, names.of(c) ?? c]).sort((a, b) => a[1].localeCompare(b[1]));
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
