/**
 * The countries checkout accepts (`GET /api/v1/shipping/countries`, the API's
 * `MERCATO_CHECKOUT__ALLOWED_COUNTRIES`): the one list behind the checkout's and the address
 * book's Country selects. Configuration, so cached for a few minutes under its own tag.
 */
import "server-only";
import { countryOptions } from "@/lib/account/address-form";
import { catalogApi } from "@/lib/api/client";
import { cacheTags } from "@/lib/api/cache-tags";
import type { Schema } from "@/lib/api/types";

/**
 * Each country with its code and English name (and its address form's hints); empty when the API
 * cannot be reached (the selects then offer the current value).
 */
export async function shippingCountries(): Promise<Array<Schema<"ShippingCountryRead">>> {
  try {
    const { data } = await catalogApi({ tags: [cacheTags.shippingCountries], revalidate: 300 }).GET("/api/v1/shipping/countries");
    return data?.countries ?? [];
  } catch {
    return [];
  }
}

/** [code, English name] for a Country select (the API's names), sorted by name; keeps `current` when it is not listed. */
export async function shippingCountryOptions(current?: string): Promise<Array<[string, string]>> {
  return countryOptions(await shippingCountries(), current);
}
