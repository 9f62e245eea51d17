"""Portable Text safety on the server: links with a dangerous scheme never leave the API.

The storefront renders bodies with `@portabletext/react` and applies the same rules again
(`storefront/lib/content/portable-text.ts`); this is the second layer, so an export, an RSS
reader or a future email renderer never sees a `javascript:` link either. Text is never
interpreted here (it is JSON data), so there is nothing else to escape.
"""

from __future__ import annotations

import html
import re
from typing import Any

import structlog

log = structlog.get_logger("mercato.content")

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# Browsers ignore ASCII whitespace and control characters inside a URL's scheme.
_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200d\u2028\u2029\ufeff]+")
# A leading `\`, or `/` then `/` or `\`, starts a host (`\\evil`, `//evil`, `/\evil`), not a path.
_OFF_SITE = ("\\", "//", "/\\")
MAX_HREF = 2048
# Objects and arrays inside one another in a document (the document itself is level 1); real
# Portable Text needs about 6. Deeper JSON is refused on every write and never rendered (the
# response serialiser has its own, lower-than-JSON limit).
MAX_NESTING = 32


def too_deep(value: object, limit: int = MAX_NESTING) -> bool:
    """True when objects and arrays nest more than `limit` levels in `value` (no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item)
    return False


def is_safe_href(href: object) -> bool:
    """True for relative links and http(s)/mailto/tel; False for javascript:, data:, vbscript:
    and every other scheme, however it is spelt (case, whitespace, entities, control chars), and
    for links that leave the site while looking relative (`//host`, `/\\host`, `\\\\host`)."""
    if not isinstance(href, str) or not href or len(href) > MAX_HREF:
        return False
    value = href
    for _ in range(3):  # entity-encoded twice ("&amp;#106;") is still decoded
        decoded = html.unescape(value)
        if decoded == value:
            break
        value = decoded
    value = _IGNORED.sub("", value).lower()
    if value.startswith(_OFF_SITE):
        return False
    match = _SCHEME.match(value)
    if match is None:
        return ":" not in value.split("/", 1)[0] or value.startswith(("/", "#", "?"))
    return match.group(1) in SAFE_SCHEMES


def sanitize_blocks(blocks: object) -> list[dict[str, Any]]:
    """A copy of a Portable Text array: non-object items dropped, unsafe link markDefs removed
    (the text they annotated stays, unlinked), a block nested too deeply to send left out (one
    stored before the write limit, or from Sanity) and logged."""
    if not isinstance(blocks, list):
        return []
    clean: list[dict[str, Any]] = []
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("_type"), str):
            continue
        if too_deep(block):
            log.warning("content_block_too_deep", block_key=str(block.get("_key"))[:100])
            continue
        item = dict(block)
        defs = item.get("markDefs")
        if isinstance(defs, list):
            kept = [d for d in defs if isinstance(d, dict) and _safe_mark_def(d)]
            dropped = {d.get("_key") for d in defs if isinstance(d, dict)} - {
                d.get("_key") for d in kept
            }
            item["markDefs"] = kept
            if dropped and isinstance(item.get("children"), list):
                item["children"] = [_without_marks(c, dropped) for c in item["children"]]
        clean.append(item)
    return clean


def _safe_mark_def(mark_def: dict[str, Any]) -> bool:
    if "href" in mark_def:
        return is_safe_href(mark_def["href"])
    return True


def _without_marks(child: object, dropped: set[Any]) -> object:
    if not isinstance(child, dict) or not isinstance(child.get("marks"), list):
        return child
    return {**child, "marks": [m for m in child["marks"] if m not in dropped]}


def plain_text(blocks: object, limit: int = 10_000) -> str:
    """The text of a Portable Text array (paragraphs joined by blank lines)."""
    if not isinstance(blocks, list):
        return ""
    paragraphs: list[str] = []
    for block in blocks:
        if isinstance(block, dict) and block.get("_type") == "block":
            children = block.get("children")
            if isinstance(children, list):
                paragraphs.append(
                    "".join(
                        str(c.get("text", ""))
                        for c in children
                        if isinstance(c, dict) and isinstance(c.get("text"), str)
                    )
                )
    return "\n\n".join(p for p in paragraphs if p)[:limit]
