/**
 * POST /api/admin/products/import (multipart: `file`, `partial`): the admin's product import
 * (ADR 0065). A server action takes at most 1 MB, and a shop's export can be larger; this route
 * reads the file up to the API's limit (20 MB) and forwards it to
 * `POST /api/v1/admin/products/import` with the signed-in staff member's token, as CSV or JSON
 * by the file's name or type.
 *
 * proxy.ts skips this path (Next would cut a body over 10 MB for it), so the route does what
 * proxy.ts does for every other write: the CSRF check (Origin / Sec-Fetch-Site) comes first,
 * then the session (staff only), both before the body is read.
 *
 * The page's script asks for JSON (`Accept: application/json`) and gets the form state it shows;
 * a plain form post (no script) is sent back to the page with the outcome in the query.
 */
import { apiUrl, storefrontUrl } from "@/lib/config";
import type { Problem } from "@/lib/api/types";
import { importFormat, isImportReport, MAX_IMPORT_BYTES, MULTIPART_OVERHEAD_BYTES, NO_FILE_MESSAGE, outcomeQuery, problemFormState, reportState, TOO_LARGE_MESSAGE } from "@/lib/admin/import";
import { isStaff } from "@/lib/admin/roles";
import type { AdminFormState } from "@/lib/admin/state";
import { checkCsrf, csrfRefused, requestOrigin } from "@/lib/security/csrf";
import { accessToken } from "@/lib/session/api";
import { bearerApi } from "@/lib/api/client";

export const dynamic = "force-dynamic";

const PAGE = "/admin/products/import";
const MAX_BODY_BYTES = MAX_IMPORT_BYTES + MULTIPART_OVERHEAD_BYTES;

class TooLarge extends Error {}

/** The request's body, refused as soon as it passes `limit` (a missing or false Content-Length too). */
async function readCapped(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw new TooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

function wantsJson(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("application/json");
}

/** The outcome: JSON for the page's script (a problem+json with the form state when refused), a redirect for a plain form post. */
function answer(request: Request, status: number, state: AdminFormState, problem?: { code: string; detail: string }): Response {
  if (!wantsJson(request)) {
    return new Response(null, { status: 303, headers: { Location: `${PAGE}?${outcomeQuery(state)}`, "Cache-Control": "no-store" } });
  }
  if (status < 400) return Response.json(state, { status, headers: { "Cache-Control": "no-store" } });
  const code = problem?.code ?? state.code ?? "import_failed";
  const body = {
    type: `about:blank#${code}`,
    title: problem?.detail ?? state.message ?? "Import failed",
    status,
    code,
    detail: problem?.detail ?? state.message,
    state,
  };
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store" } });
}

export async function POST(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const verdict = checkCsrf({
    method: request.method,
    origin: request.headers.get("origin"),
    secFetchSite: request.headers.get("sec-fetch-site"),
    allowedOrigins: [new URL(storefrontUrl()).origin, requestOrigin(request.headers, url)],
  });
  if (!verdict.ok) return csrfRefused(verdict.reason);

  const token = await accessToken();
  if (!token) {
    if (!wantsJson(request)) {
      return new Response(null, { status: 303, headers: { Location: `/account/sign-in?next=${encodeURIComponent(PAGE)}`, "Cache-Control": "no-store" } });
    }
    return answer(request, 401, problemFormState({}, 401), { code: "not_authenticated", detail: "Sign in to import products." });
  }
  let me: { role: string } | undefined;
  try {
    me = (await bearerApi(token).GET("/api/v1/me")).data;
  } catch {
    return answer(request, 502, { status: "error", code: "unreachable", message: "We could not reach the shop's API. Try again." });
  }
  if (!me) return answer(request, 401, problemFormState({}, 401), { code: "not_authenticated", detail: "Sign in to import products." });
  if (!isStaff(me.role)) return answer(request, 403, problemFormState({}, 403), { code: "forbidden", detail: "Only staff can import products." });

  let form: FormData;
  try {
    const body = await readCapped(request, MAX_BODY_BYTES);
    form = await new Response(body as BodyInit, { headers: { "Content-Type": request.headers.get("content-type") ?? "" } }).formData();
  } catch (error) {
    if (error instanceof TooLarge) {
      return answer(request, 413, problemFormState({ code: "file_too_large" }, 413), { code: "file_too_large", detail: TOO_LARGE_MESSAGE });
    }
    return answer(request, 422, { status: "error", code: "no_file", message: NO_FILE_MESSAGE, fieldErrors: { file: NO_FILE_MESSAGE } });
  }
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0) {
    return answer(request, 422, { status: "error", code: "no_file", message: NO_FILE_MESSAGE, fieldErrors: { file: NO_FILE_MESSAGE } });
  }
  if (file.size > MAX_IMPORT_BYTES) {
    return answer(request, 413, problemFormState({ code: "file_too_large" }, 413), { code: "file_too_large", detail: TOO_LARGE_MESSAGE });
  }
  const format = importFormat(file.name, file.type);
  const partial = form.get("partial") === "on";
  let upstream: Response;
  try {
    upstream = await fetch(`${apiUrl()}/api/v1/admin/products/import?format=${format}${partial ? "&partial=true" : ""}`, {
      method: "POST",
      headers: { "Content-Type": format === "json" ? "application/json" : "text/csv", Authorization: `Bearer ${token}` },
      body: file,
      cache: "no-store",
    });
  } catch {
    return answer(request, 502, { status: "error", code: "unreachable", message: "We could not reach the shop's API. Try again." });
  }
  const body: unknown = await upstream.json().catch(() => undefined);
  if (isImportReport(body)) {
    const state = reportState(upstream.ok, body);
    return answer(request, state.status === "success" ? 200 : 422, state, state.status === "success" ? undefined : { code: "import_invalid", detail: state.message ?? "" });
  }
  const problem = (body && typeof body === "object" ? body : {}) as Problem;
  const state = problemFormState(problem, upstream.status);
  const status = upstream.status >= 400 && upstream.status < 500 ? upstream.status : 502;
  return answer(request, status, state, { code: state.code ?? "import_failed", detail: state.message ?? "The import failed." });
}
