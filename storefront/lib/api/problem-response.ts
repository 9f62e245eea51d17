import type { Problem } from "./types";

/** An RFC 9457 problem+json response from a route handler (same shape as the API's). */
export function problemResponse(status: number, code: string, detail: string, init?: ResponseInit): Response {
  const body: Problem = { type: `about:blank#${code}`, title: detail, status, code, detail };
  return new Response(JSON.stringify(body), {
    ...init,
    status,
    headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store", ...init?.headers },
  });
}
