/**
 * The Content-Security-Policy set per request by proxy.ts. Scripts run only from this origin with
 * the request's nonce ('strict-dynamic' lets Next's nonce'd bootstrap load its chunks), plus
 * Stripe.js when Stripe is enabled. Styles allow inline attributes (React style props, Next's
 * route announcer); images may come from the API's media host.
 */
export interface CspOptions {
  nonce: string;
  dev: boolean;
  stripe: boolean;
  /** extra origins for img-src (the API's public media URL) */
  imageOrigins?: string[];
  upgradeInsecure: boolean;
}

export function contentSecurityPolicy(o: CspOptions): string {
  const stripeScript = o.stripe ? " https://js.stripe.com" : "";
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${o.nonce}' 'strict-dynamic'${stripeScript}${o.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${(o.imageOrigins ?? []).map((x) => ` ${x}`).join("")}`,
    "font-src 'self'",
    `connect-src 'self'${o.stripe ? " https://api.stripe.com" : ""}${o.dev ? " ws:" : ""}`,
    `frame-src ${o.stripe ? "https://js.stripe.com https://hooks.stripe.com" : "'none'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (o.upgradeInsecure) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** 128 random bits, base64. */
export function makeNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
