"""Text helpers: slugs, a small allowlist HTML sanitiser for rich descriptions, plain text."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4",
    "blockquote", "a", "span", "small", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
VOID_TAGS = {"br"}
DROP_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "template", "svg", "math"}
_SAFE_HREF = re.compile(r"^(https?://|mailto:|/)[^\s]*$", re.IGNORECASE)


def slugify(value: str, max_length: int = 200) -> str:
    normalised = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = _SLUG_STRIP.sub("-", normalised.lower()).strip("-")
    return slug[:max_length].strip("-") or "item"


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_CONTENT_TAGS:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        rendered = ""
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if _SAFE_HREF.match(href):
                rendered = f' href="{html.escape(href, quote=True)}" rel="nofollow noopener"'
        self.out.append(f"<{tag}{rendered}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_CONTENT_TAGS:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))


def sanitize_html(value: str) -> str:
    """Keep a small set of formatting tags; drop scripts, event handlers, styles and bad links."""
    parser = _Sanitiser()
    parser.feed(value)
    parser.close()
    parser.out.extend(f"</{tag}>" for tag in reversed(parser.open))
    return "".join(parser.out)


def html_to_text(value: str) -> str:
    text = re.sub(r"<[^>]+>", " ", value)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
