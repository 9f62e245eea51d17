/**
 * Runs before every request (Next 16 "proxy", formerly middleware):
 * 0. A path whose `%XX` escapes are not UTF-8 is a 400 (Next's own decoding of a dynamic segment
 *    answered it a bare 500); `/media/` paths come here only when they contain an escape.
 * 1. CSRF: refuses state-changing requests from other origins (Origin / Sec-Fetch-Site).
 * 2. Session: refreshes an expiring access token on the server and rewrites both the response
 *    cookies and the cookies this request is rendered with.
 * 3. CSP: a fresh nonce per request, passed to Next via the request's CSP header (Next adds it to
 *    its own scripts) and `x-nonce` (for our own <Script nonce>).
 */
import { NextResponse, type NextRequest } from "next/server";
import { secureCookies, storefrontUrl, stripePublishableKey, contentImageOrigins } from "@/lib/config";
import { checkCsrf, csrfRefused, requestOrigin } from "@/lib/security/csrf";
import { isDecodablePath } from "@/lib/url/path";
import { contentSecurityPolicy, makeNonce } from "@/lib/security/csp";
import { refreshTokens } from "@/lib/session/refresh";
import { cookieNames, cookieOptions, needsRefresh, REFRESH_COOKIE_MAX_AGE } from "@/lib/session/tokens";

/** Refresh this long before expiry so the token stays valid for the whole request. */
const PROXY_REFRESH_SKEW_SECONDS = 60;

function problem(status: number, code: string, title: string, detail: string): NextResponse {
  return new NextResponse(JSON.stringify({ type: `about:blank#${code}`, title, status, code, detail }), {
    status,
    headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store" },
  });
}

export async function proxy(request: NextRequest): Promise<Response> {
  if (!isDecodablePath(request.nextUrl.pathname)) {
    return problem(400, "invalid_path", "Invalid path", "The address contains an escape (%XX) that is not UTF-8 text.");
  }
  if (request.nextUrl.pathname.startsWith("/media/")) return NextResponse.next(); // matched for the check above only
  const verdict = checkCsrf({
    method: request.method,
    origin: request.headers.get("origin"),
    secFetchSite: request.headers.get("sec-fetch-site"),
    allowedOrigins: [new URL(storefrontUrl()).origin, requestOrigin(request.headers, request.nextUrl)],
  });
  if (!verdict.ok) return csrfRefused(verdict.reason);

  const secure = secureCookies();
  const names = cookieNames(secure);
  const access = request.cookies.get(names.access)?.value;
  const refresh = request.cookies.get(names.refresh)?.value;
  type CookieWrite = { name: string; value: string; maxAge: number };
  const writes: CookieWrite[] = [];
  if (refresh && needsRefresh(access, Date.now() / 1000, PROXY_REFRESH_SKEW_SECONDS)) {
    const result = await refreshTokens(refresh);
    if (result.ok) {
      writes.push({ name: names.access, value: result.tokens.access_token, maxAge: result.tokens.expires_in });
      writes.push({ name: names.refresh, value: result.tokens.refresh_token, maxAge: REFRESH_COOKIE_MAX_AGE });
    } else if (result.reason === "rejected") {
      writes.push({ name: names.access, value: "", maxAge: 0 }, { name: names.refresh, value: "", maxAge: 0 });
    }
  }
  for (const w of writes) {
    if (w.maxAge > 0) request.cookies.set(w.name, w.value);
    else request.cookies.delete(w.name);
  }

  const nonce = makeNonce();
  const csp = contentSecurityPolicy({
    nonce,
    dev: process.env.NODE_ENV === "development",
    stripe: stripePublishableKey() !== null,
    upgradeInsecure: secure,
    imageOrigins: contentImageOrigins(),
  });
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp);
  for (const w of writes) response.cookies.set(w.name, w.value, cookieOptions(secure, w.maxAge));
  return response;
}

export const config = {
  // `/media/` (relayed images) only when the path holds an escape: the decoding check above.
  // api/admin/products/import is left out: Next buffers a body for the proxy up to 10 MB and cuts
  // the rest, and that route takes files up to the API's 20 MB; it checks CSRF itself (ADR 0065).
  matcher: ["/((?!_next/static|_next/image|media/|favicon.ico|icon.svg|api/admin/products/import).*)", "/media/(.*%.*)"],
};
