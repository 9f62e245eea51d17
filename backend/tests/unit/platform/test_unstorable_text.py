"""The NUL / lone-surrogate detector behind UnstorableTextMiddleware (no I/O)."""

from __future__ import annotations

import json

import pytest

from mercato.platform.middleware import _body_unstorable, _query_unstorable, _text_unstorable


@pytest.mark.parametrize(
    "value",
    [
        "a\x00b",
        "\ud800",
        "x\udfff",
        ["ok", {"k": "\x00"}],
        {"\x00key": 1},
        {"nested": [[{"deep": "\udc00"}]]},
    ],
)
def test_unstorable_text_is_found_anywhere(value: object) -> None:
    assert _text_unstorable(value, 0)


@pytest.mark.parametrize(
    "value",
    ["Zoë \U0001f600", "\\u0000 typed literally", 1, None, True, 1.5, [], {"a": ["b"]}],
)
def test_storable_values_pass(value: object) -> None:
    assert not _text_unstorable(value, 0)


def test_json_bodies_are_decoded_before_checking() -> None:
    assert _body_unstorable(json.dumps({"a": "\ud800"}).encode(), "application/json")
    assert _body_unstorable(b'{"a": "\\u0000"}', "application/json")
    assert not _body_unstorable(json.dumps({"a": "\U0001f600"}).encode(), "application/json")
    # Not JSON at all, or too deep to parse: left to the app's own 400/422.
    assert not _body_unstorable(b"{", "application/json")
    assert not _body_unstorable(b"[" * 100_000 + b"]" * 100_000, "application/json")


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        (b"q=a%00b", True),
        (b"a%00=1", True),
        (b"q=%2500", False),  # a literal "%00" typed by the user
        (b"q=hello+world&limit=5", False),
        (b"", False),
    ],
)
def test_query_strings(query: bytes, refused: bool) -> None:
    assert _query_unstorable(query) is refused
    assert _body_unstorable(query, "application/x-www-form-urlencoded") is refused
