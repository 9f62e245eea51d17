/**
 * Server-side token refresh (POST /api/v1/auth/refresh), shared by proxy.ts and sessionApi().
 *
 * The API rotates the refresh token on every use and treats a reused one as theft (it revokes the
 * whole session). A page load fires several requests at once (document, RSC, server actions), so
 * refreshes are single-flight per refresh token and the result is remembered for a short while:
 * concurrent and slightly later requests carrying the old token get the same new pair instead of
 * presenting the old token a second time (60 s). The map lives on globalThis so proxy.ts and the app
 * share it inside one `next start` process.
 */
import { apiUrl } from "@/lib/config";
import type { TokenResponse } from "@/lib/api/types";

export type RefreshResult =
  | { ok: true; tokens: TokenResponse }
  | { ok: false; reason: "rejected" | "unavailable" };

const REMEMBER_MS = 60_000;

interface Entry {
  promise: Promise<RefreshResult>;
  at: number;
}

const store = globalThis as typeof globalThis & { __mercatoRefresh?: Map<string, Entry> };
const inflight: Map<string, Entry> = (store.__mercatoRefresh ??= new Map());

async function callRefresh(refreshToken: string): Promise<RefreshResult> {
  try {
    const res = await fetch(`${apiUrl()}/api/v1/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken }),
      cache: "no-store",
    });
    if (res.ok) return { ok: true, tokens: (await res.json()) as TokenResponse };
    // 400/401/422: the refresh token is invalid, expired or revoked; 429/5xx: try again later.
    return { ok: false, reason: res.status < 500 && res.status !== 429 ? "rejected" : "unavailable" };
  } catch {
    return { ok: false, reason: "unavailable" };
  }
}

/** Exchange a refresh token for a new pair, at most once per token within REMEMBER_MS. */
export function refreshTokens(refreshToken: string): Promise<RefreshResult> {
  const now = Date.now();
  for (const [key, entry] of inflight) if (now - entry.at > REMEMBER_MS) inflight.delete(key);
  const existing = inflight.get(refreshToken);
  if (existing) return existing.promise;
  const promise = callRefresh(refreshToken);
  inflight.set(refreshToken, { promise, at: now });
  return promise;
}
