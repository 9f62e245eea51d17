/**
 * The content editor's simple Markdown ⇄ Portable Text (the body format of posts and pages).
 *
 * Supported: paragraphs (blank-line separated; single newlines join with a space), `#` and `##`
 * headings (stored as `h2`/`h3`: the page title is the only `h1`), `-` (or `*`) bullet lists,
 * `**bold**` (`strong`), `*italic*` (`em`) and `[text](href)` links. Only http(s), mailto and
 * relative hrefs become links; any other target keeps its text and drops the link. Everything else
 * is plain text (never HTML). Blocks of other types (images…) cannot be written in Markdown: the
 * caller keeps them when it converts back (see `toMarkdown`, which skips them).
 */

export interface Span {
  _type: "span";
  _key: string;
  text: string;
  marks: string[];
}

export interface LinkDef {
  _type: "link";
  _key: string;
  href: string;
}

export interface TextBlock {
  _type: "block";
  _key: string;
  style: "normal" | "h2" | "h3";
  markDefs: LinkDef[];
  children: Span[];
  listItem?: "bullet";
  level?: number;
}

const SAFE_LINK = /^(https?:\/\/[^\s]+|mailto:[^\s]+|\/(?!\/)[^\s]*|#[^\s]*|\.{1,2}\/[^\s]*)$/i;

/** Whether a Markdown link target may become a link: http(s), mailto or a relative path. */
export function isAllowedLink(href: string): boolean {
  return SAFE_LINK.test(href) && !/[\u0000-\u001f\u007f]/.test(href);
}

interface Inline {
  text: string;
  marks: string[];
  href?: string;
}

/** Inline Markdown → runs of text with marks (`strong`, `em`) and optional link target. */
function parseInline(source: string, marks: string[] = []): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ text, marks });
    text = "";
  };
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    if (rest.startsWith("\\") && rest.length > 1 && "\\*[]()_#-".includes(rest.charAt(1))) {
      text += rest.charAt(1);
      i += 2;
      continue;
    }
    const bold = /^\*\*(?=\S)([\s\S]*?\S)\*\*/.exec(rest);
    if (bold?.[1] && !marks.includes("strong")) {
      flush();
      out.push(...parseInline(bold[1], [...marks, "strong"]));
      i += bold[0].length;
      continue;
    }
    const italic = /^\*(?=[^\s*])([\s\S]*?[^\s*])\*(?!\*)/.exec(rest) ?? /^\*([^\s*])\*(?!\*)/.exec(rest);
    if (italic?.[1] && !marks.includes("em")) {
      flush();
      out.push(...parseInline(italic[1], [...marks, "em"]));
      i += italic[0].length;
      continue;
    }
    const link = /^\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))*)\)/.exec(rest);
    if (link?.[1] !== undefined && link[2] !== undefined) {
      flush();
      const inner = parseInline(link[1], marks);
      const href = link[2];
      out.push(...(isAllowedLink(href) ? inner.map((r) => ({ ...r, href })) : inner));
      i += link[0].length;
      continue;
    }
    text += rest.charAt(0);
    i += 1;
  }
  flush();
  return out;
}

function block(key: string, style: TextBlock["style"], source: string, listItem = false): TextBlock {
  const markDefs: LinkDef[] = [];
  const children: Span[] = [];
  for (const run of parseInline(source)) {
    const marks = [...run.marks];
    if (run.href !== undefined) {
      let def = markDefs.find((d) => d.href === run.href);
      if (!def) {
        def = { _type: "link", _key: `${key}l${markDefs.length}`, href: run.href };
        markDefs.push(def);
      }
      marks.push(def._key);
    }
    const last = children.at(-1);
    if (last && last.marks.join(" ") === marks.join(" ")) last.text += run.text;
    else children.push({ _type: "span", _key: `${key}s${children.length}`, text: run.text, marks });
  }
  if (children.length === 0) children.push({ _type: "span", _key: `${key}s0`, text: "", marks: [] });
  const result: TextBlock = { _type: "block", _key: key, style, markDefs, children };
  if (listItem) {
    result.listItem = "bullet";
    result.level = 1;
  }
  return result;
}

/** Markdown → Portable Text blocks with stable keys (`b0`, `b1`, …). */
export function markdownToPortableText(markdown: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  let paragraph: string[] = [];
  const key = () => `b${blocks.length}`;
  const endParagraph = () => {
    if (paragraph.length) blocks.push(block(key(), "normal", paragraph.join(" ")));
    paragraph = [];
  };
  for (const raw of markdown.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trim();
    if (!line) {
      endParagraph();
      continue;
    }
    const heading = /^(#{1,2})\s+(.*)$/.exec(line);
    if (heading?.[1] && heading[2] !== undefined) {
      endParagraph();
      blocks.push(block(key(), heading[1].length === 1 ? "h2" : "h3", heading[2].replace(/\s+#+$/, "")));
      continue;
    }
    const item = /^[-*]\s+(.*)$/.exec(line);
    if (item?.[1] !== undefined) {
      endParagraph();
      blocks.push(block(key(), "normal", item[1], true));
      continue;
    }
    paragraph.push(line);
  }
  endParagraph();
  return blocks;
}

function escapeText(text: string): string {
  return text.replace(/([\\*[\]])/g, "\\$1");
}

interface AnyBlock {
  _type?: unknown;
  style?: unknown;
  listItem?: unknown;
  markDefs?: unknown;
  children?: unknown;
}

function inlineToMarkdown(b: AnyBlock): string {
  const defs = new Map<string, string>();
  for (const def of Array.isArray(b.markDefs) ? (b.markDefs as Array<Record<string, unknown>>) : []) {
    if (def._type === "link" && typeof def._key === "string" && typeof def.href === "string") defs.set(def._key, def.href);
  }
  const spans = Array.isArray(b.children) ? (b.children as Array<Record<string, unknown>>) : [];
  return spans
    .map((span) => {
      const text = typeof span.text === "string" ? span.text : "";
      if (!text) return "";
      const marks = Array.isArray(span.marks) ? span.marks.filter((m): m is string => typeof m === "string") : [];
      let out = escapeText(text);
      if (marks.includes("em")) out = `*${out}*`;
      if (marks.includes("strong")) out = `**${out}**`;
      const href = marks.map((m) => defs.get(m)).find((h) => h !== undefined);
      if (href !== undefined && isAllowedLink(href)) out = `[${out}](${href})`;
      return out;
    })
    .join("");
}

/**
 * Portable Text → the editor's Markdown. Text blocks only: `h1`/`h2` become `#`, `h3`+ `##`,
 * list items `-`; other block types (images…) are not representable and are left out (`skipped`
 * counts them so the editor can warn before they would be lost on save).
 */
export function portableTextToMarkdown(body: unknown): { markdown: string; skipped: number } {
  const parts: string[] = [];
  let skipped = 0;
  let inList = false;
  for (const b of Array.isArray(body) ? (body as AnyBlock[]) : []) {
    if (!b || b._type !== "block") {
      skipped += 1;
      continue;
    }
    const text = inlineToMarkdown(b).replace(/\n+/g, " ").replace(/^(#|-\s|\*\s)/, "\\$1");
    if (b.listItem) {
      parts.push(`${inList ? "" : parts.length ? "\n" : ""}- ${text}`);
      inList = true;
      continue;
    }
    const prefix = b.style === "h1" || b.style === "h2" ? "# " : typeof b.style === "string" && /^h[3-6]$/.test(b.style) ? "## " : "";
    parts.push(`${parts.length ? "\n" : ""}${prefix}${text}`);
    inList = false;
  }
  return { markdown: parts.join("\n"), skipped };
}
