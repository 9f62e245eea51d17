"""Outbox events -> signed `POST /api/revalidate` on the storefront (consumer "storefront").

Signature: `Mercato-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`
(the storefront verifies it, ADR 0022). Revalidating twice is harmless, so the handler needs no
`processed_event` record: a redelivered event simply expires the same tags again. A failed POST
raises, and the worker retries the event with backoff like any handler error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import structlog

from mercato.platform.ports import PlatformPorts
from mercato.revalidation.service import (
    CATALOG_CHANGED,
    CONTENT_CHANGED,
    STOCK_CHANGED,
    stock_change_visible,
)
from mercato.worker.events import Event, event_handler

log = structlog.get_logger("mercato.revalidation")

CONSUMER = "storefront"
SIGNATURE_HEADER = "Mercato-Signature"


class RevalidationFailed(RuntimeError):
    pass


def sign(raw_body: bytes, secret: str, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), str(ts).encode() + b"." + raw_body, hashlib.sha256)
    return f"t={ts},v1={digest.hexdigest()}"


def tags_for(container: PlatformPorts, event: Event) -> list[str]:
    """The storefront tags an event expires (empty when the change shows nowhere)."""
    p = event.payload
    if event.type in (CATALOG_CHANGED, CONTENT_CHANGED):
        return [str(t) for t in p.get("tags", [])]
    if event.type == STOCK_CHANGED:
        threshold = container.settings.catalog.low_stock_threshold
        if stock_change_visible(int(p["available_before"]), int(p["available_after"]), threshold):
            return ["products"]
    return []


@event_handler(CATALOG_CHANGED, CONTENT_CHANGED, STOCK_CHANGED, consumer=CONSUMER)
async def revalidate_storefront(container: PlatformPorts, event: Event) -> None:
    settings = container.settings.storefront
    if settings.revalidate_secret is None:
        return  # no storefront to tell (MERCATO_STOREFRONT__REVALIDATE_SECRET unset)
    tags = tags_for(container, event)
    if not tags:
        return
    default_url = f"{container.settings.storefront_url.rstrip('/')}/api/revalidate"
    url = settings.revalidate_url or default_url
    body = json.dumps({"tags": tags}, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, settings.revalidate_secret.get_secret_value()),
    }
    async with httpx.AsyncClient(timeout=settings.timeout_seconds) as client:
        response = await client.post(url, content=body, headers=headers)
    if response.status_code != 200:
        raise RevalidationFailed(f"{url} answered {response.status_code}: {response.text[:200]}")
    log.info("storefront_revalidated", event_id=str(event.id), tags=tags)
