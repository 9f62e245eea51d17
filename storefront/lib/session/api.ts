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

/** The current access token (refreshed if needed), or null for a guest. */
export async function accessToken(): Promise<string | null> {
  const { access, refresh } = await readTokens();
  if (!needsRefresh(access, Date.now() / 1000)) return access ?? null;
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
