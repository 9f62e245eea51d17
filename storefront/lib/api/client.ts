/**
 * Typed API clients (openapi-fetch, called by path: `api.GET("/api/v1/products", {...})`).
 * Server-only: the browser never talks to the API, it talks to this Next server (BFF).
 *
 * - `catalogApi({ tags })` for public catalog reads: no credentials, cached by Next's data cache
 *   under the given tags (revalidated by tag, see lib/api/cache-tags.ts).
 * - `sessionApi()` (lib/session/api.ts) for anything that belongs to a shopper: carries the
 *   access token from the httpOnly cookie and is never cached.
 */
import "server-only";
import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import createClient, { type Client } from "openapi-fetch";
import { apiUrl } from "@/lib/config";
import { GENERIC_PROBLEM_MESSAGE, readableProblem } from "@/lib/account/problems";
import { firstForwardedAddress } from "./shopper-address";
import type { paths, Problem } from "./types";

export type ApiClient = Client<paths>;

export interface CatalogCache {
  /** Data-cache tags; invalidated with `revalidateTag(tag)` (see lib/api/cache-tags.ts). */
  tags?: string[];
  /** Seconds before a background refresh; the default keeps stale data at most a minute. */
  revalidate?: number | false;
}

/** Public, cacheable catalog reads (products, categories, collections). */
export function catalogApi(cache: CatalogCache = {}): ApiClient {
  const next = { tags: cache.tags ?? [], revalidate: cache.revalidate ?? 60 };
  return createClient<paths>({
    baseUrl: apiUrl(),
    fetch: (request: Request) => fetch(request, { next }),
  });
}

/** The shopper's address from the request being served (null outside one, or without the header). */
async function shopperAddress(): Promise<string | null> {
  try {
    return firstForwardedAddress((await headers()).get("x-forwarded-for"));
  } catch (error) {
    unstable_rethrow(error); // Next's own control flow (dynamic rendering) is never swallowed
    return null; // not inside a request (a script, a test)
  }
}

/**
 * A client for one request with an explicit bearer token (or none); never cached. It passes the
 * shopper's address on (`X-Forwarded-For`, lib/api/shopper-address.ts), so the API's per-address
 * limits count each shopper, not the storefront.
 */
export function bearerApi(accessToken: string | null): ApiClient {
  return createClient<paths>({
    baseUrl: apiUrl(),
    headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
    fetch: async (request: Request) => {
      const address = await shopperAddress();
      if (address) request.headers.set("X-Forwarded-For", address);
      return fetch(request, { cache: "no-store" });
    },
  });
}

/** The API's problem document from an openapi-fetch `error`, with a readable fallback. */
export function asProblem(error: unknown, status?: number): Problem {
  if (error && typeof error === "object") return error as Problem;
  return { status, title: "Unexpected response", detail: typeof error === "string" ? error : undefined };
}

/** A short message for a shopper: `readableProblem`, never "see `errors`", never empty. */
export function problemMessage(problem: Problem): string {
  return readableProblem(problem) ?? GENERIC_PROBLEM_MESSAGE;
}
