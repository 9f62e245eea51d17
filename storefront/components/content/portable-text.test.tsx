/**
 * The storefront's Portable Text renderer against the shared XSS corpus
 * (lib/content/xss-corpus.json, also run by the backend's tests): no dangerous link survives, text
 * is escaped, unknown block types render nothing.
 */
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import corpus from "@/lib/content/xss-corpus.json";
import { PortableTextBody } from "./portable-text";

function linked(href: unknown, text = "click me") {
  return [
    {
      _type: "block",
      _key: "b",
      style: "normal",
      markDefs: [{ _type: "link", _key: "m", href }],
      children: [{ _type: "span", _key: "s", text, marks: ["m"] }],
    },
  ];
}

function render(value: unknown): string {
  return renderToStaticMarkup(<PortableTextBody value={value} />);
}

/** Every href and src attribute of the markup, entity-decoded. */
function urls(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => (m[1] ?? "").replace(/&amp;/g, "&").replace(/&quot;/g, '"'));
}

const DANGEROUS = /^\s*(javascript|data|vbscript|livescript|file)\s*:/i;

describe("Portable Text rendering", () => {
  it("has a corpus of at least 30 payloads", () => {
    expect(corpus.unsafe_hrefs.length + corpus.text_payloads.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.unsafe_hrefs)("drops the link %j but keeps its text", (href) => {
    const html = render(linked(href));
    expect(html).toContain("click me");
    expect(html).not.toContain("<a");
    for (const url of urls(html)) expect(url).not.toMatch(DANGEROUS);
  });

  it.each(corpus.safe_hrefs)("keeps the ordinary link %j", (href) => {
    const html = render(linked(href));
    expect(urls(html)).toEqual([href]);
  });

  it.each(corpus.text_payloads)("escapes the text %j", (payload) => {
    const html = render(linked("/ok", payload));
    expect(html).not.toMatch(/<(script|img|svg|iframe|style|math)\b/i);
    for (const tag of html.match(/<[^>]+>/g) ?? []) expect(tag).not.toMatch(/\son\w+=/i);
    const text = html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");
    expect(text).toBe(payload);
  });

  it("ignores unknown block types, marks and junk", () => {
    const html = render([
      { _type: "script", _key: "x", code: "<script>alert(1)</script>" },
      { _type: "html", _key: "y", html: "<img src=x onerror=alert(1)>" },
      "not a block",
      null,
      { _type: "block", _key: "z", style: "evil", markDefs: [], children: [{ _type: "span", _key: "s", text: "hello", marks: ["unknown"] }] },
    ]);
    expect(html).toBe('<p class="my-4 leading-7">hello</p>');
  });

  it("renders images only from our media or https, with their alt text", () => {
    const html = render([
      { _type: "image", _key: "a", url: "/media/content/x.svg", alt: "A jacket", width: 10, height: 5 },
      { _type: "image", _key: "b", url: "javascript:alert(1)", alt: "bad" },
      { _type: "image", _key: "c", url: "//evil.example/x.png", alt: "bad" },
      { _type: "image", _key: "d", url: "data:image/svg+xml,<svg onload=alert(1)>", alt: "bad" },
    ]);
    expect(urls(html)).toEqual(["/media/content/x.svg"]);
    expect(html).toContain('alt="A jacket"');
  });

  it("renders nothing for a body that is not Portable Text", () => {
    expect(render("<script>alert(1)</script>")).toBe("");
    expect(render({ _type: "block" })).toBe("");
  });
});
