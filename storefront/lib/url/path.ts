/**
 * True when every `%XX` escape of a request path decodes to UTF-8 text. Next decodes a dynamic
 * segment (`/p/[slug]`, `/media/[...path]`) before any page or route handler runs, and a path such
 * as `/p/%FF` or `/p/%ED%A0%80` (a lone surrogate) made it answer a bare 500; proxy.ts answers
 * such a path 400 first.
 */
export function isDecodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}
