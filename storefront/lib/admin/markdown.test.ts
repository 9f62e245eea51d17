import { describe, expect, it } from "vitest";
import { isAllowedLink, markdownToPortableText, portableTextToMarkdown } from "./markdown";

const texts = (md: string) => markdownToPortableText(md).map((b) => b.children.map((c) => c.text).join(""));

describe("markdownToPortableText", () => {
  it("splits paragraphs on blank lines and joins wrapped lines", () => {
    const blocks = markdownToPortableText("First line\nstill first.\n\nSecond.");
    expect(blocks.map((b) => b.style)).toEqual(["normal", "normal"]);
    expect(texts("First line\nstill first.\n\nSecond.")).toEqual(["First line still first.", "Second."]);
    expect(blocks.map((b) => b._key)).toEqual(["b0", "b1"]);
  });

  it("maps # and ## to h2 and h3, and - items to bullets", () => {
    const blocks = markdownToPortableText("# Title\n## Sub\n- one\n- two\nAfter");
    expect(blocks.map((b) => [b.style, b.listItem ?? null])).toEqual([
      ["h2", null],
      ["h3", null],
      ["normal", "bullet"],
      ["normal", "bullet"],
      ["normal", null],
    ]);
    expect(texts("# Title\n## Sub\n- one")).toEqual(["Title", "Sub", "one"]);
  });

  it("marks bold and italic spans", () => {
    const [b] = markdownToPortableText("a **bold** and *soft* end");
    expect(b?.children.map((c) => [c.text, c.marks])).toEqual([
      ["a ", []],
      ["bold", ["strong"]],
      [" and ", []],
      ["soft", ["em"]],
      [" end", []],
    ]);
  });

  it("turns safe links into link marks with one markDef per href", () => {
    const [b] = markdownToPortableText("See [our shop](https://example.com/a) and [again](https://example.com/a) or [mail](mailto:x@y.z) [home](/about)");
    expect(b?.markDefs.map((d) => d.href)).toEqual(["https://example.com/a", "mailto:x@y.z", "/about"]);
    const linked = b?.children.filter((c) => c.marks.length > 0).map((c) => c.text);
    expect(linked).toEqual(["our shop", "again", "mail", "home"]);
  });

  it.each(["javascript:alert(1)", "data:text/html,x", "//evil.example/x", "vbscript:x", "ftp://x"])("keeps the text but drops the link %s", (href) => {
    const [b] = markdownToPortableText(`click [here](${href}) now`);
    expect(b?.markDefs).toEqual([]);
    expect(b?.children.map((c) => c.text).join("")).toBe("click here now");
  });

  it("treats HTML as plain text", () => {
    const [b] = markdownToPortableText("<script>alert(1)</script>");
    expect(b?.children[0]?.text).toBe("<script>alert(1)</script>");
  });

  it("gives an empty document no blocks", () => {
    expect(markdownToPortableText(" \n\n ")).toEqual([]);
  });
});

describe("portableTextToMarkdown", () => {
  it("round-trips what the editor writes", () => {
    const md = "# Heading\n\nHello **bold** and *it* with [a link](https://example.com).\n\n- one\n- two\n\n## Small\n\nEnd.";
    const back = portableTextToMarkdown(markdownToPortableText(md));
    expect(back.skipped).toBe(0);
    expect(back.markdown).toBe(md);
    expect(markdownToPortableText(back.markdown)).toEqual(markdownToPortableText(md));
  });

  it("escapes literal stars and brackets so they stay text", () => {
    const body = [{ _type: "block", _key: "k", style: "normal", markDefs: [], children: [{ _type: "span", _key: "s", text: "2 * 3 [x] # no", marks: [] }] }];
    const { markdown } = portableTextToMarkdown(body);
    expect(markdownToPortableText(markdown)[0]?.children).toEqual([{ _type: "span", _key: "b0s0", text: "2 * 3 [x] # no", marks: [] }]);
  });

  it("keeps a leading # or - in a paragraph from becoming a heading or list", () => {
    const body = [{ _type: "block", _key: "k", style: "normal", markDefs: [], children: [{ _type: "span", _key: "s", text: "# not a heading", marks: [] }] }];
    const parsed = markdownToPortableText(portableTextToMarkdown(body).markdown);
    expect(parsed[0]?.style).toBe("normal");
    expect(parsed[0]?.children[0]?.text).toBe("# not a heading");
  });

  it("counts blocks it cannot show and drops unsafe links", () => {
    const body = [
      { _type: "image", url: "/media/x.jpg" },
      { _type: "block", _key: "k", style: "normal", markDefs: [{ _type: "link", _key: "m", href: "javascript:x" }], children: [{ _type: "span", _key: "s", text: "t", marks: ["m"] }] },
    ];
    expect(portableTextToMarkdown(body)).toEqual({ markdown: "t", skipped: 1 });
    expect(portableTextToMarkdown(null)).toEqual({ markdown: "", skipped: 0 });
  });
});

describe("isAllowedLink", () => {
  it("allows http(s), mailto and relative links only", () => {
    expect(["https://a.b", "http://a.b/c?d", "mailto:a@b.c", "/blog/x", "#top", "./x"].every(isAllowedLink)).toBe(true);
    expect(["javascript:x", "JavaScript:x", "tel:1", "//a.b", "", " https://a.b"].some(isAllowedLink)).toBe(false);
  });
});
