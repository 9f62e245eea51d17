/**
 * The API's sanitiser keeps `<a>` but drops an href it does not allow (relative,
 * protocol-relative, javascript:…): such an anchor is no link. Its text is shown as plain text.
 * The input is the sanitised post HTML (p, br and a only).
 */
export function unwrapDeadLinks(html: string): string {
  return html.replace(/<a\b([^>]*)>([\s\S]*?)<\/a>/gi, (anchor: string, attributes: string, text: string) =>
    /\shref\s*=\s*["']?\s*https?:\/\//i.test(` ${attributes}`) ? anchor : text,
  );
}
