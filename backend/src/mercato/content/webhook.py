"""Sanity webhook signatures (the scheme of `@sanity/webhook`).

Header `sanity-webhook-signature: t=<unix ms>,v1=<base64url(HMAC-SHA256(secret, "<t>.<raw body>"))>`
(no padding). The raw body is what is signed: a body parsed and serialised again does not verify.
The timestamp must lie within the tolerance on both sides of now (a stale or a future-dated
signature is refused); a verified signature seen before is a replay (see service).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

SIGNATURE_HEADER = "sanity-webhook-signature"
_HEADER = re.compile(r"^t=(\d{1,16})[, ]+v1=([A-Za-z0-9_-]{1,100})$")
MINIMUM_TIMESTAMP_MS = 1_609_459_200_000  # Sanity signs nothing before 2021


class SignatureError(Exception):
    """Why a signature is refused (the message is safe to return)."""


def _digest(raw_body: bytes, timestamp_ms: int, secret: str) -> str:
    mac = hmac.new(secret.encode(), str(timestamp_ms).encode() + b"." + raw_body, hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def sign(raw_body: bytes, secret: str, timestamp_ms: int | None = None) -> str:
    """The header value Sanity would send for this body (used by tests and the fake)."""
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    return f"t={ts},v1={_digest(raw_body, ts, secret)}"


def verify(
    header: str | None,
    raw_body: bytes,
    secret: str,
    *,
    tolerance_seconds: int,
    now_ms: int | None = None,
) -> str:
    """Check the header; return the signature (the replay key). Raise `SignatureError`."""
    if not header:
        raise SignatureError(f"Missing {SIGNATURE_HEADER} header.")
    match = _HEADER.match(header.strip())
    if match is None:
        raise SignatureError(f"Malformed {SIGNATURE_HEADER} header.")
    timestamp, given = int(match[1]), match[2]
    if timestamp < MINIMUM_TIMESTAMP_MS:
        raise SignatureError("The signature timestamp must be in milliseconds.")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now - timestamp) > tolerance_seconds * 1000:
        raise SignatureError("The signature timestamp is outside the tolerance.")
    if not raw_body or not hmac.compare_digest(_digest(raw_body, timestamp, secret), given):
        raise SignatureError("The signature does not match.")
    return given
