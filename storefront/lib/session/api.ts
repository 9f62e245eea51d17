/**
 * `sessionApi()`: the API client for everything that belongs to the current shopper (me, carts,
 * checkout, orders). It carries the access token from the httpOnly cookie, refreshes it on the
 * server when it is about to expire (rewriting the cookies where Next allows it) and is never
 * cached. Use it from server components, server actions and route handlers only.
 */
import "server-only";
import { bearerApi, type ApiClient } from "@/lib/api/client";
import { readTokens, writeTokens, clearTokens } from "./cookies";
import { refreshTokens } from "./refresh";
import { needsRefresh } from "./tokens";

/**
 * The current access token, or null for a guest. proxy.ts already refreshed it before this request
 * if it expires within a minute; this refreshes only a token that is actually expired (proxy could
 * not reach the API). While rendering, the new cookies cannot be written; the single-flight memo in
 * refresh.ts hands the same new pair to the browser's next request, which proxy.ts then stores.
 */
export async function accessToken(): Promise<string | null> {
  const { access, refresh } = await readTokens();
  if (!needsRefresh(access, Date.now() / 1000, 0)) return access ?? null;
  if (!refresh) return null;
  const result = await refreshTokens(refresh);
  if (result.ok) {
    await writeTokens(result.tokens);
    return result.tokens.access_token;
  }
  if (result.reason === "rejected") await clearTokens();
  return null;
}

export async function sessionApi(): Promise<ApiClient> {
  return bearerApi(await accessToken());
}
