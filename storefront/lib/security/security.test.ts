import { describe, expect, it } from "vitest";
import { checkCsrf } from "./csrf";
import { contentSecurityPolicy, makeNonce } from "./csp";

const allowed = ["http://127.0.0.1:3000"];

describe("checkCsrf", () => {
  it("lets safe methods through whatever their origin", () => {
    expect(checkCsrf({ method: "GET", origin: "https://evil.example", secFetchSite: "cross-site", allowedOrigins: allowed }).ok).toBe(true);
  });
  it("accepts same-origin posts", () => {
    expect(checkCsrf({ method: "POST", origin: "http://127.0.0.1:3000", secFetchSite: "same-origin", allowedOrigins: allowed }).ok).toBe(true);
  });
  it("refuses cross-site and same-site posts by Sec-Fetch-Site", () => {
    for (const site of ["cross-site", "same-site", "none"]) {
      expect(checkCsrf({ method: "POST", origin: null, secFetchSite: site, allowedOrigins: allowed }).ok).toBe(false);
    }
  });
  it("refuses a foreign or opaque Origin without Sec-Fetch-Site", () => {
    expect(checkCsrf({ method: "DELETE", origin: "https://evil.example", secFetchSite: null, allowedOrigins: allowed }).ok).toBe(false);
    expect(checkCsrf({ method: "POST", origin: "null", secFetchSite: null, allowedOrigins: allowed }).ok).toBe(false);
  });
  it("lets non-browser clients (no Origin, no Sec-Fetch-Site) through", () => {
    expect(checkCsrf({ method: "POST", origin: null, secFetchSite: null, allowedOrigins: allowed }).ok).toBe(true);
  });
});

describe("contentSecurityPolicy", () => {
  it("allows scripts only from self with the nonce, Stripe only when enabled", () => {
    const csp = contentSecurityPolicy({ nonce: "abc", dev: false, stripe: false, upgradeInsecure: false });
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic';");
    expect(csp).not.toContain("stripe");
    expect(csp).not.toContain("unsafe-eval");
    const withStripe = contentSecurityPolicy({ nonce: "abc", dev: false, stripe: true, upgradeInsecure: true });
    expect(withStripe).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic' https://js.stripe.com;");
    expect(withStripe).toContain("frame-src https://js.stripe.com https://hooks.stripe.com");
    expect(withStripe.endsWith("upgrade-insecure-requests")).toBe(true);
  });
  it("makes a fresh nonce each time", () => {
    const a = makeNonce();
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(makeNonce()).not.toBe(a);
  });
});
