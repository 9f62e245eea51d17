/**
 * A same-site path to go to after sign-in, from an untrusted `next` value. Anything that could
 * leave the site (absolute URLs, `//host`, backslashes, control characters) falls back.
 */
export function safeRedirectPath(next: string | null | undefined, fallback = "/"): string {
  if (!next || next.length > 2000) return fallback;
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return fallback;
  return next;
}
