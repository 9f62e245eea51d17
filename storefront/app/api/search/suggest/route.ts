/**
 * GET /api/search/suggest?q=… → {"items": [Suggestion…]} for the header's instant search. Calls the
 * API server-side (cached under the catalog tags); the browser never talks to the API directly.
 */
import { catalogApi } from "@/lib/api/client";
import { cacheTags } from "@/lib/api/cache-tags";
import { problemResponse } from "@/lib/api/problem-response";
import { SUGGEST_LIMIT, suggestQuery, toSuggestion } from "@/lib/catalog/suggestions";

export async function GET(request: Request): Promise<Response> {
  const raw = new URL(request.url).searchParams.get("q");
  if (raw !== null && raw.length > 500) return problemResponse(422, "validation_error", "q is too long (at most 200 characters).");
  const q = suggestQuery(raw);
  const headers = { "Cache-Control": "private, max-age=30" };
  if (!q) return Response.json({ items: [] }, { headers });
  try {
    const api = catalogApi({ tags: [cacheTags.catalog, cacheTags.products], revalidate: 60 });
    const { data } = await api.GET("/api/v1/products", { params: { query: { q, limit: SUGGEST_LIMIT } } });
    return Response.json({ items: (data?.items ?? []).map(toSuggestion) }, { headers });
  } catch {
    return problemResponse(503, "api_unreachable", "Search is not available right now.");
  }
}
