/**
 * Server-side reads of the API's third-party feeds. Both fail soft: an unreachable API or an
 * unavailable provider gives `null`, and the page simply shows no feed / no notice.
 */
import "server-only";
import { catalogApi } from "@/lib/api/client";
import type { Schema } from "@/lib/api/types";
import { toNotice, weatherQuery, type WeatherAddress, type WeatherNoticeData } from "./notice";

// A slow third party never holds up a page: past this, the page renders without the feature.
const TIMEOUT_MS = 2500;

export type SocialFeed = Schema<"SocialFeedRead">;
export type SocialPost = Schema<"SocialPostRead">;

/** The home page's social feed; null when there is nothing to show. */
export async function getSocialFeed(limit = 6): Promise<SocialFeed | null> {
  try {
    const api = catalogApi({ tags: ["integrations", "social-feed"], revalidate: 300 });
    const { data } = await api.GET("/api/v1/integrations/social-feed", { params: { query: { limit } }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    return data && data.available && data.items.length > 0 ? data : null;
  } catch {
    return null;
  }
}

/** The delivery-weather notice for an address; null when the weather is calm or unknown. */
export async function deliveryWeatherNotice(address: WeatherAddress | null): Promise<WeatherNoticeData | null> {
  const query = address ? weatherQuery(address) : null;
  if (!query) return null;
  try {
    const api = catalogApi({ tags: ["integrations", "weather"], revalidate: 900 });
    const { data } = await api.GET("/api/v1/integrations/weather", { params: { query }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    return toNotice(data);
  } catch {
    return null;
  }
}
