"""Catalog and stock changes reach the storefront as signed POST /api/revalidate calls through the
outbox: a real HTTP server on loopback receives them and checks the signature independently."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from mercato.platform.outbox import OutboxEvent
from mercato.revalidation.handlers import RevalidationFailed
from mercato.worker.events import dispatch_pending_events
from tests.conftest import make_settings
from tests.factories import auth_headers, create_product, create_user

SECRET = "storefront-revalidate-secret-0123456789abcdef"


@dataclass
class FakeStorefront:
    """A loopback HTTP server standing in for the Next.js route (its real wire format)."""

    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0


@pytest.fixture
def storefront() -> Iterator[FakeStorefront]:
    fake = FakeStorefront()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fake.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"revalidated":[]}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def verify(header: str, body: bytes, secret: str) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - timestamp) < 300
    return fresh and hmac.compare_digest(parts["v1"], expected.hexdigest())


@pytest.fixture
async def shop(db_url: str, tmp_path: Path, storefront: FakeStorefront) -> AsyncIterator[Container]:
    settings = make_settings(
        db_url,
        tmp_path,
        storefront={
            "revalidate_url": f"http://127.0.0.1:{storefront.port}/api/revalidate",
            "revalidate_secret": SECRET,
        },
        catalog={"low_stock_threshold": 3},
    )
    container = build_container(settings)
    yield container
    await container.aclose()


@pytest.fixture
async def client(shop: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(shop.settings, shop), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def drain(container: Container) -> None:
    await dispatch_pending_events(container)


def tags_received(storefront: FakeStorefront) -> list[list[str]]:
    return [json.loads(body)["tags"] for _, body in storefront.received]


async def test_admin_price_edit_posts_a_signed_revalidation(
    shop: Container, client: httpx.AsyncClient, storefront: FakeStorefront
) -> None:
    product = await create_product(shop, price=2500, stock=20)
    await drain(shop)
    storefront.received.clear()
    staff = auth_headers(shop, await create_user(shop, role="staff"))
    variant_id = product.variants[0].id
    current = await client.get(f"/api/v1/admin/products/{product.id}", headers=staff)
    response = await client.patch(
        f"/api/v1/admin/variants/{variant_id}",
        json={"price": 1999},
        headers={**staff, "If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    assert storefront.received == []  # nothing before the worker handles the outbox event
    await drain(shop)
    assert len(storefront.received) == 1
    headers, body = storefront.received[0]
    assert headers["content-type"] == "application/json"
    assert verify(headers["mercato-signature"], body, SECRET)
    assert not verify(headers["mercato-signature"], body, "another-secret")
    assert json.loads(body) == {"tags": ["products"]}


async def test_stock_revalidates_only_when_a_page_would_change(
    shop: Container, client: httpx.AsyncClient, storefront: FakeStorefront
) -> None:
    product = await create_product(shop, stock=10)
    sku = product.variants[0].sku
    await drain(shop)
    storefront.received.clear()
    staff = auth_headers(shop, await create_user(shop, role="staff"))

    async def adjust(delta: int) -> None:
        response = await client.post(
            f"/api/v1/admin/inventory/{sku}/adjustments",
            json={"delta": delta, "reason": "test"},
            headers=staff,
        )
        assert response.status_code == 200, response.text
        await drain(shop)

    await adjust(-2)  # 10 -> 8: still plenty (threshold 3), no page shows the difference
    assert storefront.received == []
    await adjust(-5)  # 8 -> 3: "only 3 left"
    await adjust(-1)  # 3 -> 2: "only 2 left"
    await adjust(-2)  # 2 -> 0: sold out
    await adjust(+20)  # 0 -> 20: back in stock
    assert tags_received(storefront) == [["products"]] * 4
    assert all(verify(h["mercato-signature"], b, SECRET) for h, b in storefront.received)


async def test_a_refused_call_keeps_the_event_for_a_retry(
    shop: Container, client: httpx.AsyncClient, storefront: FakeStorefront
) -> None:
    storefront.status = 401
    staff = auth_headers(shop, await create_user(shop, role="staff"))
    created = await client.post(
        "/api/v1/admin/products",
        json={"title": "Retry Me", "status": "active", "variants": [{"sku": "RM-1", "price": 100}]},
        headers=staff,
    )
    assert created.status_code == 201, created.text
    with pytest.raises(RevalidationFailed):
        await drain(shop)
    async with shop.db.session(write=False) as session:
        pending = list(
            await session.scalars(
                select(OutboxEvent.event_type).where(OutboxEvent.processed_at.is_(None))
            )
        )
    assert "CatalogChanged" in pending
    storefront.status = 200
    await drain(shop)
    assert tags_received(storefront)[-1] == ["products"]


async def test_without_a_secret_nothing_is_sent(
    db_url: str, tmp_path: Path, storefront: FakeStorefront
) -> None:
    settings = make_settings(
        db_url,
        tmp_path,
        storefront={"revalidate_url": f"http://127.0.0.1:{storefront.port}/api/revalidate"},
    )
    container = build_container(settings)
    try:
        await create_product(container, stock=1)
        async with container.db.session() as session:
            from mercato.revalidation.service import record_catalog_change

            record_catalog_change(session, ["products"], reason="test")
        assert await dispatch_pending_events(container) >= 1
        assert storefront.received == []
    finally:
        await container.aclose()
