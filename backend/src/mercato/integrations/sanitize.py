"""Social post HTML → safe HTML (an allowlist, nh3/Ammonia) and plain text (ADR 0033).

Kept: `p`, `br`, and `a href` with absolute http(s) links only (relative and protocol-relative
links lose their href), each given `rel="nofollow noopener noreferrer"`. Everything else is
dropped: images (no tracking pixels, no third-party requests from the shopper's browser), scripts
and styles with their content, event handlers, classes, inline styles, `javascript:`/`data:`
URLs, comments.
"""

from __future__ import annotations

import html
import re

import nh3

_TAGS = {"p", "br", "a"}
_ATTRIBUTES = {"a": {"href"}}
_SCHEMES = {"http", "https"}
_REL = "nofollow noopener noreferrer"
_BREAKS = re.compile(r"<\s*br\s*/?\s*>|</\s*p\s*>", re.IGNORECASE)


def clean_html(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel=_REL,
        url_relative="deny",  # "/x" or "//host" would resolve against our own pages
        strip_comments=True,
    ).strip()


def plain_text(raw: str) -> str:
    """The visible text: paragraphs and line breaks become newlines, entities decoded."""
    marked = _BREAKS.sub("\n", clean_html(raw))
    text = html.unescape(nh3.clean(marked, tags=set()))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
