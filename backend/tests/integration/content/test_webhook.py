"""Sanity webhook matrix: valid, wrong secret, stale and future timestamps, re-serialised body,
replay, no secret configured; a verified delivery refreshes the API cache and records the
storefront revalidation in the outbox, exactly once."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from mercato.bootstrap import Container, build_container
from mercato.content.models import ContentDocument, ContentWebhookDelivery
from mercato.content.webhook import sign
from mercato.demo import content as demo
from mercato.main import create_app
from mercato.platform.outbox import OutboxEvent
from tests.conftest import make_settings

SECRET = "sanity-webhook-secret-0123456789abcdef-XYZ"
URL = "/api/v1/content/sanity/webhook"


@pytest.fixture
async def shop(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    settings = make_settings(
        db_url, tmp_path, content={"webhook_secret": SECRET, "webhook_tolerance_seconds": 300}
    )
    container = build_container(settings)
    await demo.seed_if_empty(container)
    app = create_app(settings, container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client, container
    await container.aclose()


def payload() -> bytes:
    doc = {"_id": "page-about", "_type": "page", "slug": {"current": "about"}, "title": "About"}
    return json.dumps(doc, separators=(",", ":")).encode()


def now_ms() -> int:
    return int(time.time() * 1000)


async def events(container: Container) -> list[dict[str, Any]]:
    async with container.db.session(write=False) as session:
        rows = await session.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.event_type == "ContentChanged")
        )
        return list(rows)


async def post(client: httpx.AsyncClient, body: bytes, signature: str) -> httpx.Response:
    return await client.post(
        URL,
        content=body,
        headers={"content-type": "application/json", "sanity-webhook-signature": signature},
    )


async def test_signature_matrix(shop: tuple[httpx.AsyncClient, Container]) -> None:
    client, container = shop
    body = payload()
    baseline = len(await events(container))
    refused = {
        "wrong secret": sign(body, "another-secret-entirely-0123456789", now_ms()),
        "stale": sign(body, SECRET, now_ms() - 330_000),
        "future": sign(body, SECRET, now_ms() + 330_000),
        "malformed": "t=abc,v1=def",
    }
    for case, signature in refused.items():
        response = await post(client, body, signature)
        assert response.status_code == 401, case
        assert response.json()["code"] == "invalid_signature", case
    reserialised = json.dumps(json.loads(body), indent=1).encode()
    response = await post(client, reserialised, sign(body, SECRET, now_ms()))
    assert response.status_code == 401
    missing = await client.post(URL, content=body)
    assert missing.status_code == 401
    assert len(await events(container)) == baseline  # nothing written by a refused delivery

    signature = sign(body, SECRET, now_ms())
    accepted = await post(client, body, signature)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {
        "received": True,
        "duplicate": False,
        "tags": ["content", "page:about"],
    }
    replay = await post(client, body, signature)
    assert replay.status_code == 200
    assert replay.json()["duplicate"] is True
    recorded = await events(container)
    assert len(recorded) == baseline + 1
    assert recorded[-1]["tags"] == ["content", "page:about"]


async def test_a_delivery_refreshes_cached_content(
    shop: tuple[httpx.AsyncClient, Container],
) -> None:
    client, container = shop
    assert (await client.get("/api/v1/content/pages/about")).json()["title"] == "About us"
    # Sanity changed the document (here: the row the local source reads) ...
    async with container.db.session() as session:
        row = await session.get(ContentDocument, "page-about")
        assert row is not None
        await session.execute(
            update(ContentDocument)
            .where(ContentDocument.id == "page-about")
            .values(body=row.body.replace('"About us"', '"About Mercato"'))
        )
    assert (await client.get("/api/v1/content/pages/about")).json()["title"] == "About us"  # cached
    body = payload()
    assert (await post(client, body, sign(body, SECRET, now_ms()))).status_code == 200
    assert (await client.get("/api/v1/content/pages/about")).json()["title"] == "About Mercato"


async def test_the_same_body_signed_again_is_a_new_delivery_but_an_idempotency_key_is_not(
    shop: tuple[httpx.AsyncClient, Container],
) -> None:
    client, container = shop
    body = payload()
    headers = {"idempotency-key": "msg-1"}
    first = await client.post(
        URL,
        content=body,
        headers={**headers, "sanity-webhook-signature": sign(body, SECRET, now_ms())},
    )
    assert first.json()["duplicate"] is False
    retried = await client.post(
        URL,
        content=body,
        headers={**headers, "sanity-webhook-signature": sign(body, SECRET, now_ms() + 5)},
    )
    assert retried.json()["duplicate"] is True
    async with container.db.session(write=False) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.event_type == "ContentChanged")
        )
    assert count == 2  # the demo import and one delivery


async def test_no_secret_means_no_webhook(client: httpx.AsyncClient) -> None:
    body = payload()
    response = await post(client, body, sign(body, SECRET, now_ms()))
    assert response.status_code == 404
    assert response.json()["code"] == "webhook_disabled"


async def deliveries(container: Container) -> int:
    async with container.db.session(write=False) as session:
        count = await session.scalar(select(func.count()).select_from(ContentWebhookDelivery))
    return int(count or 0)


REFUSED = [
    (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
    (b'{"_id":' + b"9" * 5000 + b"}", "invalid_json"),
    (b'{"_id":"page-\xff"}', "invalid_json"),
    (b'{"_id":"page-about","c":' + b"[" * 40 + b"]" * 40 + b"}", "invalid_document"),
    (b'{"_id":"page-about\\ud800","_type":"page"}', "invalid_text"),
    (b'{"_id":"page-about","title":"\\udfff"}', "invalid_text"),
    (b'{"_id":"page-\\u0000"}', "invalid_document"),
    (b'{"_id":5}', "invalid_document"),
]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json"])
async def test_a_signed_body_no_document_could_be_is_refused(
    shop: tuple[httpx.AsyncClient, Container], content_type: str | None
) -> None:
    client, container = shop
    before = (len(await events(container)), await deliveries(container))
    for body, code in REFUSED:
        headers = {"sanity-webhook-signature": sign(body, SECRET, now_ms())}
        if content_type:
            headers["content-type"] = content_type
        response = await client.post(URL, content=body, headers=headers)
        assert response.status_code == 422, (body[:60], response.text)
        assert response.headers["content-type"] == "application/problem+json"
        if content_type == "application/json" and b"\\u0000" in body:
            code = "invalid_text"  # the middleware refuses a NUL in a JSON body first
        elif content_type == "application/json" and body.startswith(b"[" * 65):
            code = "validation_error"  # and JSON nested deeper than any endpoint takes
        assert response.json()["code"] == code, body[:60]
    assert (len(await events(container)), await deliveries(container)) == before
