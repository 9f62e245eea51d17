/**
 * Pure helpers about tokens and cookie names (no Next imports: unit-tested, usable in proxy.ts).
 * The signature of the access token is verified by the API; here we only read `exp` to decide
 * whether to refresh before calling the API.
 */

export interface CookieNames {
  access: string;
  refresh: string;
  cart: string;
}

/** `__Host-` names need `Secure` (https); over plain http in development the names are plain. */
export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? "__Host-" : "";
  return {
    access: `${prefix}mercato_at`,
    refresh: `${prefix}mercato_rt`,
    cart: `${prefix}mercato_cart`,
  };
}

export interface CookieOptions {
  httpOnly: true;
  sameSite: "lax";
  secure: boolean;
  path: "/";
  maxAge: number;
}

/** Every storefront cookie: httpOnly, SameSite=Lax, path=/ (required by `__Host-`), no Domain. */
export function cookieOptions(secure: boolean, maxAgeSeconds: number): CookieOptions {
  return { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge: Math.max(0, Math.floor(maxAgeSeconds)) };
}

export const REFRESH_COOKIE_MAX_AGE = 30 * 24 * 3600; // the API's default refresh-token lifetime
export const CART_COOKIE_MAX_AGE = 90 * 24 * 3600; // the API's longest sliding cart expiry

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
  return atob(padded);
}

/** The `exp` claim (seconds since epoch) of a JWT, or null when it cannot be read. */
export function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(base64UrlDecode(payload));
    if (claims && typeof claims === "object" && "exp" in claims && typeof claims.exp === "number") {
      return claims.exp;
    }
  } catch {
    return null;
  }
  return null;
}

/** True when the access token is missing, unreadable or expires within `skewSeconds`. */
export function needsRefresh(accessToken: string | undefined, nowSeconds: number, skewSeconds = 30): boolean {
  if (!accessToken) return true;
  const exp = jwtExpiry(accessToken);
  return exp === null || exp - skewSeconds <= nowSeconds;
}
