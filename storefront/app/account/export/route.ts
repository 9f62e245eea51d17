/**
 * GET /account/export: the signed-in customer's data (`GET /api/v1/me/export`) as a JSON file
 * download. Never cached; a guest gets 401 problem+json.
 */
import { problemResponse } from "@/lib/api/problem-response";
import { sessionApi } from "@/lib/session/api";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const api = await sessionApi();
  let result;
  try {
    result = await api.GET("/api/v1/me/export");
  } catch {
    return problemResponse(503, "service_unavailable", "Your data could not be exported right now. Please try again.");
  }
  const { data, response } = result;
  if (response.status === 401) return problemResponse(401, "not_authenticated", "Sign in to download your data.");
  if (!data) return problemResponse(502, "bad_gateway", "Your data could not be exported right now. Please try again.");
  const day = new Date().toISOString().slice(0, 10);
  return new Response(`${JSON.stringify(data, null, 2)}\n`, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="mercato-data-${day}.json"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
