"use server";
/** The checkout asks for the delivery-weather notice once an address is entered (never throws). */
import { deliveryWeatherNotice } from "./api";
import type { WeatherNoticeData } from "./notice";

export async function weatherNoticeFor(country: string, postalCode: string, city: string): Promise<WeatherNoticeData | null> {
  if (typeof country !== "string" || typeof postalCode !== "string" || typeof city !== "string") return null;
  return deliveryWeatherNotice({ country: country.slice(0, 2), postal_code: postalCode.slice(0, 16), city: city.slice(0, 100) });
}
