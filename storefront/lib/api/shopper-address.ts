/**
 * The shopper's address for the API's per-address limits (failed sign-ins, registrations,
 * password resets, tracking look-ups). The storefront calls the API from its own server, so
 * without this every shopper shares the storefront's address: fifty failed sign-ins by anyone
 * locked every shopper out of signing in for the window (`MERCATO_AUTH__LOGIN_MAX_FAILURES_PER_IP`).
 * The address is the first `X-Forwarded-For` entry, which the edge in front of the storefront
 * (nginx: `proxy_set_header X-Forwarded-For $remote_addr`) sets; the API believes it only from
 * `MERCATO_TRUSTED_PROXIES`. Pure: unit-tested; `shopperAddress()` in client.ts reads the header.
 */
const ADDRESS = /^[0-9a-fA-F:.]{3,45}$/;

/** The first address of an `X-Forwarded-For` value, or null when there is none that looks like one. */
export function firstForwardedAddress(value: string | null | undefined): string | null {
  const first = value?.split(",")[0]?.trim();
  return first && ADDRESS.test(first) ? first : null;
}
