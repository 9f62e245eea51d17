"""The server-side Portable Text guard against the shared XSS corpus (also run by Vitest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mercato.content.documents import blocks_with_images
from mercato.content.portable_text import is_safe_href, plain_text, sanitize_blocks

CORPUS = json.loads(
    (Path(__file__).parents[4] / "storefront/lib/content/xss-corpus.json").read_text()
)


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS["unsafe_hrefs"]) + len(CORPUS["text_payloads"]) >= 30


@pytest.mark.parametrize("href", CORPUS["unsafe_hrefs"])
def test_unsafe_links_are_refused(href: str) -> None:
    assert not is_safe_href(href)


@pytest.mark.parametrize("href", CORPUS["safe_hrefs"])
def test_ordinary_links_are_kept(href: str) -> None:
    assert is_safe_href(href)


def linked_block(href: Any, text: str = "click") -> dict[str, Any]:
    return {
        "_type": "block",
        "_key": "b",
        "markDefs": [{"_type": "link", "_key": "m", "href": href}, {"_type": "note", "_key": "n"}],
        "children": [{"_type": "span", "_key": "s", "text": text, "marks": ["m", "strong", "n"]}],
    }


@pytest.mark.parametrize("href", CORPUS["unsafe_hrefs"])
def test_sanitize_drops_the_link_and_keeps_the_text(href: str) -> None:
    [block] = sanitize_blocks([linked_block(href)])
    assert block["markDefs"] == [{"_type": "note", "_key": "n"}]
    assert block["children"][0] == {
        "_type": "span",
        "_key": "s",
        "text": "click",
        "marks": ["strong", "n"],
    }


def test_sanitize_keeps_safe_links_and_drops_junk() -> None:
    blocks = sanitize_blocks([linked_block("https://example.com"), "x", 3, {"no": "type"}, None])
    assert len(blocks) == 1
    assert blocks[0]["markDefs"][0]["href"] == "https://example.com"
    assert sanitize_blocks("not a list") == []


@pytest.mark.parametrize("payload", CORPUS["text_payloads"])
def test_text_stays_data(payload: str) -> None:
    """Text is never interpreted: it comes out exactly as it went in, for the renderer to escape."""
    [block] = sanitize_blocks([linked_block("/ok", payload)])
    assert block["children"][0]["text"] == payload
    assert plain_text([block]) == payload


def test_image_blocks_without_a_valid_asset_are_dropped() -> None:
    good = {"_type": "image", "_key": "i", "asset": {"_ref": "image-" + "a" * 40 + "-10x20-png"}}
    bad = {"_type": "image", "_key": "j", "asset": {"_ref": "javascript:alert(1)"}}
    out = blocks_with_images([good, bad], lambda a: f"/media/content/{a.file_name}")
    assert [b["_key"] for b in out] == ["i"]
    assert out[0]["url"] == "/media/content/" + "a" * 40 + "-10x20.png"
    assert (out[0]["width"], out[0]["height"]) == (10, 20)


def test_unstorable_text_is_an_invalid_document() -> None:
    from mercato.content.documents import validate_document
    from mercato.content.exceptions import InvalidDocument

    with pytest.raises(InvalidDocument):
        validate_document({"_id": "a", "_type": "note", "text": "\ud800"})
    for bad in ({"_rev": "x" * 65}, {"_rev": "a\x00"}, {"_updatedAt": "yesterday"}):
        with pytest.raises(InvalidDocument):
            validate_document({"_id": "a", "_type": "note", **bad})
    assert validate_document({"_id": "a", "_type": "n", "slug": {"current": "\x00"}})


def test_nesting_is_measured_without_recursion() -> None:
    from mercato.content.portable_text import MAX_NESTING, too_deep

    deep: object = {}
    for _ in range(100_000):  # far past Python's recursion limit
        deep = [deep]
    assert too_deep(deep)
    at_limit: object = "text"
    for _ in range(MAX_NESTING):
        at_limit = {"c": at_limit}
    assert not too_deep(at_limit)
    assert too_deep([at_limit])
    assert not too_deep("scalar")
    assert not too_deep([])


def test_a_block_nested_too_deeply_is_left_out_of_a_body() -> None:
    """As a stored document or the Sanity source may hold: the rest of the body is rendered."""
    deep: dict[str, Any] = {"_type": "span", "text": "a"}
    for _ in range(300):
        deep = {"_type": "x", "c": [deep]}
    blocks = sanitize_blocks([linked_block("/ok"), deep])
    assert [b["_key"] for b in blocks] == ["b"]
