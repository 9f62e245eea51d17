"""Stripe's webhook signature scheme, shared by the sandbox (which signs) and both verifiers.

Header: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`;
several `v1` entries may be present (secret rotation) and any one matching is enough. Unlike
Stripe's library we also reject timestamps too far in the *future* (a replay window must be
bounded on both sides).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any, TypeGuard

from mercato.payments.providers.port import WebhookEvent, WebhookRejected

SIGNATURE_HEADER = "stripe-signature"


def compute_signature(raw_body: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + raw_body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(raw_body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value for `raw_body`."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={compute_signature(raw_body, secret, ts)}"


def get_header(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == SIGNATURE_HEADER:
            return value
    return None


def parse_header(header: str) -> tuple[int, list[str]]:
    """(timestamp, v1 signatures). Raises WebhookRejected when malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookRejected("malformed signature timestamp") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise WebhookRejected("signature header has no timestamp")
    if not signatures:
        raise WebhookRejected("signature header has no v1 signature")
    return timestamp, signatures


def check_timestamp(timestamp: int, tolerance: int, now: float | None = None) -> None:
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookRejected("signature timestamp outside the tolerance window")


def verify(
    raw_body: bytes,
    header: str | None,
    secret: str,
    *,
    tolerance: int,
    now: float | None = None,
) -> None:
    """Raise WebhookRejected unless one v1 signature matches and the timestamp is fresh."""
    if not header:
        raise WebhookRejected("missing signature header")
    if not secret:
        raise WebhookRejected("no webhook secret configured")
    timestamp, signatures = parse_header(header)
    expected = compute_signature(raw_body, secret, timestamp)
    # Bytes: compare_digest raises TypeError on str with non-ASCII characters (latin-1 headers).
    wanted = expected.encode()
    presented = (candidate.encode("utf-8", "surrogatepass") for candidate in signatures)
    if not any(hmac.compare_digest(wanted, candidate) for candidate in presented):
        raise WebhookRejected("no matching signature")
    check_timestamp(timestamp, tolerance, now)


def _intent_id_of(obj: Mapping[str, Any]) -> str | None:
    kind = obj.get("object")
    if kind == "payment_intent":
        value = obj.get("id")
    elif kind in ("charge", "refund", "dispute"):
        value = obj.get("payment_intent")
    else:
        value = None
    return value if isinstance(value, str) and value else None


def _storable(value: Any, max_length: int) -> TypeGuard[str]:
    """A non-empty string of printable characters: no NUL, control character or lone surrogate
    (the database cannot store them, and no provider sends them)."""
    return isinstance(value, str) and 0 < len(value) <= max_length and value.isprintable()


def parse_event(raw_body: bytes) -> WebhookEvent:
    """A Stripe-format event (`{"id": "evt_…", "object": "event", "type", "data": {"object"}}`)."""
    try:
        data = json.loads(raw_body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise WebhookRejected("body is not JSON") from None
    if not isinstance(data, dict) or data.get("object") != "event":
        raise WebhookRejected("body is not an event")
    event_id, event_type = data.get("id"), data.get("type")
    if not _storable(event_id, 255):
        raise WebhookRejected("event has no valid id")
    if not _storable(event_type, 128):
        raise WebhookRejected("event has no valid type")
    payload = data.get("data")
    obj = payload.get("object") if isinstance(payload, dict) else None
    intent_id = _intent_id_of(obj) if isinstance(obj, dict) else None
    if intent_id is not None and not _storable(intent_id, 255):
        raise WebhookRejected("invalid intent id")
    created = data.get("created")
    return WebhookEvent(
        id=event_id,
        type=event_type,
        intent_id=intent_id,
        created=created if isinstance(created, int) else 0,
    )
