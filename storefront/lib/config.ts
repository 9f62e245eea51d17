/**
 * Server-side configuration read from the environment at request time (never inlined into client
 * bundles: nothing here is prefixed NEXT_PUBLIC_). Used by server code and proxy.ts only.
 */

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Where the Next server reaches the Mercato API (server to server). */
export function apiUrl(): string {
  return trimSlash(process.env.MERCATO_API_URL || "http://127.0.0.1:8000");
}

/** The storefront's public address: metadata base, canonical URLs, sitemap, CSRF origin. */
export function storefrontUrl(): string {
  return trimSlash(process.env.MERCATO_STOREFRONT_URL || "http://127.0.0.1:3000");
}

/** Over https the auth and cart cookies are `Secure` and `__Host-` prefixed. */
export function secureCookies(): boolean {
  return storefrontUrl().startsWith("https://");
}

/** Stripe's publishable key; when set, the CSP allows js.stripe.com and checkout uses Stripe. */
export function stripePublishableKey(): string | null {
  return process.env.MERCATO_STRIPE_PUBLISHABLE_KEY || null;
}

/**
 * Extra image origins for the CSP, comma-separated (MERCATO_CONTENT_IMAGE_ORIGINS): with the Sanity
 * content source, `https://cdn.sanity.io`. Only https origins are accepted.
 */
export function contentImageOrigins(): string[] {
  return (process.env.MERCATO_CONTENT_IMAGE_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => /^https:\/\/[a-z0-9.-]+(?::\d+)?$/i.test(s));
}

/**
 * The Sanity Studio's address (MERCATO_SANITY_STUDIO_URL), set when the API's content source is
 * Sanity (MERCATO_CONTENT__SOURCE=sanity): /admin/content then links there instead of offering the
 * local editor. The API itself exposes no setting that says which source it uses; its admin writes
 * answer 409 `content_source_read_only` with Sanity, which the editor reports too.
 */
export function sanityStudioUrl(): string | null {
  const value = (process.env.MERCATO_SANITY_STUDIO_URL ?? "").trim();
  return /^https?:\/\/[^\s]+$/i.test(value) ? trimSlash(value) : null;
}
