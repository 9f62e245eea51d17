/**
 * Reading and writing the session cookies from server components, server actions and route
 * handlers. Writing only works in server actions and route handlers (Next forbids it while
 * rendering); `writeTokens` swallows that error so shared code can call it anywhere, and
 * proxy.ts keeps tokens fresh for page renders.
 */
import "server-only";
import { cookies } from "next/headers";
import { secureCookies } from "@/lib/config";
import type { TokenResponse } from "@/lib/api/types";
import { cookieNames, cookieOptions, REFRESH_COOKIE_MAX_AGE } from "./tokens";

export function names() {
  return cookieNames(secureCookies());
}

export async function readTokens(): Promise<{ access?: string; refresh?: string }> {
  const jar = await cookies();
  const n = names();
  return { access: jar.get(n.access)?.value, refresh: jar.get(n.refresh)?.value };
}

/** Store a token pair (after sign-in or refresh). Returns false when called while rendering. */
export async function writeTokens(tokens: TokenResponse): Promise<boolean> {
  const jar = await cookies();
  const n = names();
  const secure = secureCookies();
  try {
    jar.set(n.access, tokens.access_token, cookieOptions(secure, tokens.expires_in));
    jar.set(n.refresh, tokens.refresh_token, cookieOptions(secure, REFRESH_COOKIE_MAX_AGE));
    return true;
  } catch {
    return false;
  }
}

export async function clearTokens(): Promise<void> {
  const jar = await cookies();
  const n = names();
  try {
    jar.delete({ name: n.access, path: "/", secure: secureCookies() });
    jar.delete({ name: n.refresh, path: "/", secure: secureCookies() });
  } catch {
    // rendering: nothing to do, proxy.ts clears rejected tokens on the next request
  }
}
