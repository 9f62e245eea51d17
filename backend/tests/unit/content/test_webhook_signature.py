"""The Sanity webhook signature scheme (@sanity/webhook): t=<ms>,v1=<base64url HMAC>."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from mercato.content.webhook import SignatureError, sign, verify

SECRET = "a-sanity-webhook-secret"
BODY = b'{"_id":"post-1","_type":"post"}'
NOW = 1_764_000_000_000


def test_matches_the_reference_computation() -> None:
    header = sign(BODY, SECRET, NOW)
    expected = (
        base64.urlsafe_b64encode(
            hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).digest()
        )
        .decode()
        .rstrip("=")
    )
    assert header == f"t={NOW},v1={expected}"
    assert verify(header, BODY, SECRET, tolerance_seconds=300, now_ms=NOW) == expected


@pytest.mark.parametrize(
    ("header", "body", "secret", "now"),
    [
        (None, BODY, SECRET, NOW),
        ("", BODY, SECRET, NOW),
        ("v1=abc", BODY, SECRET, NOW),
        (sign(BODY, "wrong-secret", NOW), BODY, SECRET, NOW),
        (sign(BODY, SECRET, NOW - 301_000), BODY, SECRET, NOW),  # stale
        (sign(BODY, SECRET, NOW + 301_000), BODY, SECRET, NOW),  # from the future
        (sign(BODY, SECRET, NOW), b'{"_id": "post-1", "_type": "post"}', SECRET, NOW),
        (sign(BODY, SECRET, NOW // 1000), BODY, SECRET, NOW),  # seconds, not milliseconds
        (sign(BODY, SECRET, NOW) + "x", BODY, SECRET, NOW),
        (sign(b"", SECRET, NOW), b"", SECRET, NOW),
    ],
)
def test_refused(header: str | None, body: bytes, secret: str, now: int) -> None:
    with pytest.raises(SignatureError):
        verify(header, body, secret, tolerance_seconds=300, now_ms=now)


def test_tolerance_edges_are_accepted() -> None:
    for skew in (-300_000, 300_000):
        verify(sign(BODY, SECRET, NOW + skew), BODY, SECRET, tolerance_seconds=300, now_ms=NOW)
