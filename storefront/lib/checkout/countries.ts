/**
 * The countries checkout accepts (`GET /api/v1/shipping/countries`, the API's
 * `MERCATO_CHECKOUT__ALLOWED_COUNTRIES`): the one list behind the checkout's and the address
 * book's Country selects. Configuration, so cached for a few minutes under its own tag.
 */
import "server-only";
import { countryHints, countryOptions, type CountryHints } from "@/lib/account/address-form";
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

/**
 * What an address form (checkout, address book) needs: the Country select's options (keeping
 * `current`) and each country's hints (postal code example, state/province required).
 */
export async function addressFormCountries(current?: string): Promise<{ countries: Array<[string, string]>; hints: CountryHints }> {
  const listed = await shippingCountries();
  return { countries: countryOptions(listed, current), hints: countryHints(listed) };
}
