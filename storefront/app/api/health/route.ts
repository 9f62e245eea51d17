/** Readiness probe for scripts and the e2e harness: the Next server is up and serving. */
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
}
