"""Pure helpers: slugs, HTML sanitising, edit distance, image sniffing, If-Match parsing."""

from __future__ import annotations

import pytest

from mercato.catalog.admin_router import parse_if_match
from mercato.catalog.media import UnsupportedMediaType, sniff_image, validate_upload
from mercato.catalog.repository import parse_options
from mercato.catalog.search import damerau_levenshtein, words_of
from mercato.catalog.text import sanitize_html, slugify
from mercato.platform.errors import PayloadTooLarge, PreconditionRequired, ValidationFailed


def test_slugify() -> None:
    assert slugify("Crème Brûlée — Deluxe!") == "creme-brulee-deluxe"
    assert slugify("***") == "item"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>ok <b>bold</b></p>", "<p>ok <b>bold</b></p>"),
        ('<p onclick="x()">hi</p>', "<p>hi</p>"),
        ("<script>alert(1)</script>after", "after"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="https://e.com">x</a>', '<a href="https://e.com" rel="nofollow noopener">x</a>'),
        ("<img src=x onerror=alert(1)>", ""),
        ("<svg><script>1</script></svg>t", "t"),
        ("<p>unclosed <em>tags", "<p>unclosed <em>tags</em></p>"),
        ("1 < 2 & 3", "1 &lt; 2 &amp; 3"),
    ],
)
def test_sanitize_html(raw: str, clean: str) -> None:
    assert sanitize_html(raw) == clean


def test_damerau_levenshtein() -> None:
    assert damerau_levenshtein("shirt", "shirt") == 0
    assert damerau_levenshtein("shrit", "shirt") == 1  # transposition
    assert damerau_levenshtein("shirt", "shit") == 1
    assert damerau_levenshtein("jacket", "jackets") == 1
    assert damerau_levenshtein("kettle", "bottle", limit=3) == 2
    assert damerau_levenshtein("a", "zzzzzz", limit=3) == 3


def test_words_of_strips_query_syntax() -> None:
    assert words_of('"Linen" AND shirt* NEAR(x) -- \'') == ["linen", "and", "shirt", "near", "x"]
    assert words_of("Crème") == ["creme"]


def test_sniff_image() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (3).to_bytes(4, "big") * 2 + b"\x08"
    assert sniff_image(png).content_type == "image/png"
    assert (sniff_image(png).width, sniff_image(png).height) == (3, 3)
    assert sniff_image(b"GIF89a\x02\x00\x03\x00").width == 2
    with pytest.raises(UnsupportedMediaType) as svg:
        sniff_image(b'  <?xml version="1.0"?><svg/>')
    assert svg.value.code == "svg_not_allowed"
    with pytest.raises(UnsupportedMediaType):
        sniff_image(b"%PDF-1.4")
    with pytest.raises(PayloadTooLarge):
        validate_upload(png * 10, max_bytes=20, max_pixels=100)


def test_parse_if_match() -> None:
    assert parse_if_match('"3"') == 3
    assert parse_if_match('W/"4"') == 4
    assert parse_if_match("*") is None
    assert parse_if_match(None, required=False) is None
    with pytest.raises(PreconditionRequired):
        parse_if_match(None)
    for bad in ('"abc"', '"\u00b2"', "\u00b3", '"1e3"'):
        with pytest.raises(ValidationFailed):
            parse_if_match(bad)


def test_parse_options() -> None:
    assert parse_options(["Size:M", "size:L", "colour: Blue"]) == (
        ("colour", ("Blue",)),
        ("size", ("L", "M")),
    )
    for bad in ("nocolon", ":M", "size:", "a:\x00"):
        with pytest.raises(ValidationFailed):
            parse_options([bad])
