import { describe, expect, it } from "vitest";
import corpus from "./xss-corpus.json";
import { buildRss, escapeXml } from "./rss";

const SITE = { title: "Mercato Journal", url: "https://shop.example/", description: "Stories" };

describe("RSS feed", () => {
  it("lists posts with links, dates and authors", () => {
    const xml = buildRss(SITE, [
      { title: "Linen", slug: "caring-for-linen", excerpt: "Wash cool.", published_at: "2026-11-28T09:00:00Z", author: { name: "Lena" }, categories: ["Care"] },
    ]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"')).toBe(true);
    expect(xml).toContain("<link>https://shop.example/blog/caring-for-linen</link>");
    expect(xml).toContain("<pubDate>Sat, 28 Nov 2026 09:00:00 GMT</pubDate>");
    expect(xml).toContain("<dc:creator>Lena</dc:creator>");
    expect(xml).toContain("<category>Care</category>");
  });

  it.each([...corpus.text_payloads, ...corpus.unsafe_hrefs])("escapes %j everywhere", (payload) => {
    const xml = buildRss(SITE, [{ title: payload, slug: "x", excerpt: payload, published_at: "2026-11-28T09:00:00Z", author: { name: payload }, categories: [payload] }]);
    const inner = xml.split("<item>")[1];
    expect(inner).not.toMatch(/<(?!\/?(title|link|guid|pubDate|dc:creator|description|category)\b)[a-z!?]/i);
    expect(inner).toContain(`<title>${escapeXml(payload)}</title>`);
  });

  it("drops characters XML cannot carry", () => {
    expect(escapeXml("a\u0000b\u0008c")).toBe("abc");
  });
});
