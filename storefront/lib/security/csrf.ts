/**
 * CSRF decision for state-changing requests reaching the storefront (route handlers, server
 * actions, form posts). Browsers send `Sec-Fetch-Site` and/or `Origin` on every cross-origin
 * POST, so a request is refused when either says it comes from another origin. A request with
 * neither header is not from a browser page (curl, the API's signed revalidation call) and cannot
 * carry a victim's cookies by accident, so it passes (those routes authenticate themselves).
 */

export const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface CsrfInput {
  method: string;
  origin: string | null;
  secFetchSite: string | null;
  /** origins this storefront answers on (the configured public URL and the request's own) */
  allowedOrigins: string[];
}

export type CsrfVerdict = { ok: true } | { ok: false; reason: string };

export function checkCsrf(input: CsrfInput): CsrfVerdict {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return { ok: true };
  const site = input.secFetchSite?.toLowerCase() ?? null;
  if (site !== null && site !== "same-origin") {
    return { ok: false, reason: `Sec-Fetch-Site: ${site}` };
  }
  if (input.origin !== null) {
    if (input.origin === "null" || !input.allowedOrigins.includes(input.origin)) {
      return { ok: false, reason: "Origin does not match this storefront" };
    }
  }
  return { ok: true };
}

/** The origin a request was addressed to (behind a proxy: its X-Forwarded-Proto/Host). */
export function requestOrigin(headers: Headers, url: URL): string {
  const proto = headers.get("x-forwarded-proto") ?? url.protocol.replace(":", "");
  const host = headers.get("x-forwarded-host") ?? headers.get("host") ?? url.host;
  return `${proto}://${host}`;
}

/** The problem+json answer to a refused cross-site request (proxy.ts and the routes it skips). */
export function csrfRefused(reason: string): Response {
  return new Response(
    JSON.stringify({
      type: "about:blank#csrf_refused",
      title: "Cross-site request refused",
      status: 403,
      code: "csrf_refused",
      detail: `This request did not come from the shop's own pages (${reason}).`,
    }),
    { status: 403, headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store" } },
  );
}
