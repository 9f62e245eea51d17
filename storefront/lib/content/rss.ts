/**
 * The blog's RSS 2.0 feed. Every text is XML-escaped; descriptions are plain text (the excerpt),
 * never HTML, so a CMS body cannot inject markup into a feed reader.
 */

export interface FeedItem {
  title: string;
  slug: string;
  excerpt: string;
  published_at: string;
  author?: { name: string } | null;
  categories?: string[];
}

// XML 1.0 forbids most control characters even escaped: drop them.
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXml(value: string): string {
  return value
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function rfc822(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? new Date(0).toUTCString() : date.toUTCString();
}

export function buildRss(site: { title: string; url: string; description: string }, items: FeedItem[]): string {
  const base = site.url.replace(/\/+$/, "");
  const entries = items.map((item) => {
    const link = `${base}/blog/${encodeURIComponent(item.slug)}`;
    const categories = (item.categories ?? []).map((c) => `      <category>${escapeXml(c)}</category>`).join("\n");
    return [
      "    <item>",
      `      <title>${escapeXml(item.title)}</title>`,
      `      <link>${escapeXml(link)}</link>`,
      `      <guid isPermaLink="true">${escapeXml(link)}</guid>`,
      `      <pubDate>${rfc822(item.published_at)}</pubDate>`,
      item.author ? `      <dc:creator>${escapeXml(item.author.name)}</dc:creator>` : "",
      `      <description>${escapeXml(item.excerpt)}</description>`,
      categories,
      "    </item>",
    ]
      .filter(Boolean)
      .join("\n");
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    "  <channel>",
    `    <title>${escapeXml(site.title)}</title>`,
    `    <link>${escapeXml(`${base}/blog`)}</link>`,
    `    <description>${escapeXml(site.description)}</description>`,
    "    <language>en</language>",
    `    <atom:link href="${escapeXml(`${base}/blog/rss.xml`)}" rel="self" type="application/rss+xml"/>`,
    ...entries,
    "  </channel>",
    "</rss>",
    "",
  ].join("\n");
}
