/**
 * A same-site path to go to after sign-in, from an untrusted `next` value. Anything that could
 * leave the site (absolute URLs, `//host`, backslashes, control characters, a path whose dot
 * segments resolve to `//host`) falls back. The answer is the path as a URL serialises it:
 * percent-encoded ASCII, since it becomes a `Location` header, which cannot carry other
 * characters (a raw `/…　…` there was a 500).
 */
const BASE = "http://same-site.invalid";

export function safeRedirectPath(next: string | null | undefined, fallback = "/"): string {
  if (!next || next.length > 2000) return fallback;
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE || url.pathname.startsWith("//")) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
