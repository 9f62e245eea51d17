/**
 * Which link targets a CMS body may use: relative paths and http(s)/mailto/tel. `javascript:`,
 * `data:`, `vbscript:` and every other scheme are refused however they are spelt (case,
 * whitespace and control characters, HTML entities), and so are protocol-relative links (`//host`,
 * `/\host`) which leave the site. The API drops such links already
 * (backend/src/mercato/content/portable_text.py); this is the second layer, in the renderer.
 */

const SAFE_SCHEMES = new Set(["http", "https", "mailto", "tel"]);
const SCHEME = /^([a-z][a-z0-9+.-]*):/;
// Browsers ignore ASCII whitespace and control characters inside a URL's scheme.
const IGNORED = /[\u0000-\u0020\u007f-\u009f\u200b-\u200d\u2028\u2029\ufeff]+/g;
const OFF_SITE = /^(\\|\/[/\\])/;
const MAX_HREF = 2048;

const NAMED: Record<string, string> = { colon: ":", tab: "\t", newline: "\n", amp: "&", sol: "/", lpar: "(", rpar: ")", quot: '"', apos: "'", lt: "<", gt: ">", nbsp: "\u00a0" };

/** Decodes numeric (`&#106;`, `&#x6A`, with or without `;`) and the entities that can spell a scheme. */
export function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => safeCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_, dec: string) => safeCodePoint(parseInt(dec, 10)))
    .replace(/&([a-z]+);/gi, (match, name: string) => NAMED[name.toLowerCase()] ?? match);
}

function safeCodePoint(code: number): string {
  return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
}

export function isSafeHref(href: unknown): href is string {
  if (typeof href !== "string" || href.length === 0 || href.length > MAX_HREF) return false;
  let value = href;
  for (let i = 0; i < 3; i++) {
    const decoded = decodeEntities(value);
    if (decoded === value) break;
    value = decoded;
  }
  value = value.replace(IGNORED, "").toLowerCase();
  // `\\host`, `//host`, `/\host`: browsers read them as another site, not a path
  if (OFF_SITE.test(value)) return false;
  const match = SCHEME.exec(value);
  if (!match) return !(value.split("/", 1)[0] ?? "").includes(":") || /^[/#?]/.test(value);
  return SAFE_SCHEMES.has(match[1] ?? "");
}

/** Image sources from the API: our media paths or https URLs only. */
export function isSafeImageSrc(src: unknown): src is string {
  return typeof src === "string" && (/^\/(?!\/)/.test(src) || /^https:\/\//i.test(src)) && src.length <= MAX_HREF;
}
