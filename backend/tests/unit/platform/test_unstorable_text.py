"""The NUL / lone-surrogate / nesting detector behind UnstorableTextMiddleware (no I/O)."""

from __future__ import annotations

import json

import pytest

from mercato.platform.middleware import (
    MAX_JSON_DEPTH,
    _body_problem,
    _json_problem,
    _query_unstorable,
)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
INVALID = "invalid_text"
TOO_DEEP = "validation_error"


def code(body: bytes, content_type: str = JSON, header: str | None = None) -> str | None:
    problem = _body_problem(body, content_type, header or content_type)
    return problem[0] if problem else None


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
    problem = _json_problem(value, 0)
    assert problem is not None
    assert problem[0] == INVALID


@pytest.mark.parametrize(
    "value",
    ["Zoë \U0001f600", "\\u0000 typed literally", 1, None, True, 1.5, [], {"a": ["b"]}],
)
def test_storable_values_pass(value: object) -> None:
    assert _json_problem(value, 0) is None


def test_json_bodies_are_decoded_before_checking() -> None:
    assert code(json.dumps({"a": "\ud800"}).encode()) == INVALID
    assert code(b'{"a": "\\u0000"}') == INVALID
    assert code(json.dumps({"a": "\U0001f600"}).encode()) is None
    assert code(b"{") is None  # not JSON at all: left to the app's own 400/422


def nested(levels: int, leaf: str = '"a\\u0000b"') -> bytes:
    return ('{"a":' * levels + leaf + "}" * levels).encode()


def test_json_nested_deeper_than_inspected_is_refused() -> None:
    # A NUL below the depth the guard inspects used to pass (it stopped at 64 levels).
    assert code(nested(MAX_JSON_DEPTH)) == INVALID
    assert code(nested(MAX_JSON_DEPTH + 1)) == TOO_DEEP
    assert code(nested(MAX_JSON_DEPTH, "1")) is None
    assert code(nested(MAX_JSON_DEPTH + 1, "1")) == TOO_DEEP
    assert code(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)) == TOO_DEEP
    # Too deep for json.loads itself (RecursionError): the same refusal.
    assert code(b"[" * 100_000 + b"]" * 100_000) == TOO_DEEP
    assert code(b"[" * 100_000) == TOO_DEEP


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
    assert (code(query, FORM) == INVALID) is refused


def test_form_bodies_must_be_utf8() -> None:
    assert code(b"username=%ff%fe&password=x", FORM) == INVALID
    assert code(b"alt=%ED%A0%80", FORM) == INVALID  # an encoded lone surrogate
    assert code(b"alt=Zo%C3%AB", FORM) is None


def multipart(*parts: bytes) -> tuple[bytes, str]:
    body = b"".join(b"--b\r\n" + part + b"\r\n" for part in parts) + b"--b--\r\n"
    return body, "multipart/form-data; boundary=b"


def field(name: bytes, value: bytes, filename: bytes | None = None) -> bytes:
    disposition = b'form-data; name="' + name + b'"'
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return b"Content-Disposition: " + disposition + b"\r\n\r\n" + value


@pytest.mark.parametrize(
    ("parts", "refused"),
    [
        ((field(b"alt", b"a\x00b"),), True),
        ((field(b"alt", b"\xff\xfe"),), True),
        ((field(b"alt", b"\xed\xa0\x80"),), True),  # a lone surrogate, UTF-8 encoded
        ((field(b"a\x00", b"x"),), True),
        ((field(b"file", b"png", b"a\x00.png"),), True),
        ((field(b"alt", b"Zo\xc3\xab \xf0\x9f\x98\x80"),), False),
        # file contents are binary: not inspected
        ((field(b"file", b"\x89PNG\x00\xff", b"a.png"), field(b"alt", b"ok")), False),
        ((field(b"file", b"\x00", b"a.png"), field(b"alt", b"a\x00")), True),
    ],
)
def test_multipart_text_fields_are_checked(parts: tuple[bytes, ...], refused: bool) -> None:
    body, header = multipart(*parts)
    assert (code(body, "multipart/form-data", header) == INVALID) is refused


def test_malformed_multipart_is_left_to_the_app() -> None:
    assert code(b"--b--", "multipart/form-data", "multipart/form-data") is None
    assert code(b"garbage", "multipart/form-data", "multipart/form-data; boundary=b") is None
