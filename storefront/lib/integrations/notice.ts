/**
 * The "weather may delay delivery" notice, from the API's `WeatherRead` (pure: used by the server
 * reads, the checkout form and the tests). No notice when the provider was unavailable or the
 * forecast is calm.
 */
import type { Schema } from "@/lib/api/types";

export type WeatherRead = Schema<"WeatherRead">;

export interface WeatherNoticeData {
  /** the API's shopper sentence, e.g. "Severe weather (heavy snow) is forecast near …" */
  message: string;
  hazards: string[];
}

export function toNotice(weather: WeatherRead | null | undefined): WeatherNoticeData | null {
  if (!weather || !weather.available || !weather.delivery_may_be_delayed) return null;
  return {
    message: weather.message ?? "Severe weather is forecast at the delivery address: your delivery may be delayed.",
    hazards: weather.hazards,
  };
}

export interface WeatherAddress {
  country: string;
  postal_code?: string | null;
  city?: string | null;
}

/** The weather fields of an address as the cart stores it (an open JSON object). */
export function weatherAddressOf(value: Record<string, unknown> | null | undefined): WeatherAddress | null {
  if (!value) return null;
  const text = (key: string) => (typeof value[key] === "string" ? (value[key] as string) : "");
  return { country: text("country"), postal_code: text("postal_code"), city: text("city") };
}

/** The API's query for an address, or null when it is too incomplete to ask. */
export function weatherQuery(address: WeatherAddress): { country: string; postal_code?: string; city?: string } | null {
  const country = address.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) return null;
  const postal = (address.postal_code ?? "").trim();
  const city = (address.city ?? "").trim();
  const query: { country: string; postal_code?: string; city?: string } = { country };
  if (/^[A-Za-z0-9 -]{1,16}$/.test(postal)) query.postal_code = postal;
  if (city && city.length <= 100) query.city = city;
  return query.postal_code || query.city ? query : null;
}
