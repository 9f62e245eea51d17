"""When the payment provider is down or SQLite stays locked, checkout answers 503 with
Retry-After, and nothing is half-written: no order, no reservation, the key is given up."""

from __future__ import annotations

import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from mercato.bootstrap import Container
from mercato.checkout.models import IdempotencyKey
from mercato.platform.config import Settings
from tests.conftest import make_settings
from tests.factories import create_product
from tests.integration.checkout.helpers import API, checkout, expect, order_count, ready_cart, stock


def _dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        sqlite_busy_timeout_ms=300,
        payments={
            "provider": "stripe",
            "stripe_api_key": "sk_test_down",
            "stripe_webhook_secret": "whsec_test",
            "stripe_api_base": f"http://127.0.0.1:{_dead_port()}",
            "stripe_max_network_retries": 0,
            "stripe_timeout_seconds": 2,
        },
    )


async def _keys(container: Container) -> int:
    async with container.db.session(write=False) as session:
        return int(await session.scalar(select(func.count(IdempotencyKey.id))) or 0)


async def test_provider_down_gives_503_and_writes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=3, skus=["DOWN-1"])
    cart_id = await ready_cart(client, {"DOWN-1": 2})
    key = str(uuid.uuid4())
    for _ in range(2):  # the key was given up: the retry runs again (503 again, not 409)
        response = await checkout(client, cart_id, key=key)
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "payment_provider_unavailable"
        assert int(response.headers["Retry-After"]) >= 1
    assert await order_count(container) == 0
    assert await stock(container, "DOWN-1") == (3, 0)
    assert await _keys(container) == 0
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert cart["status"] == "open"


@pytest.fixture
def sqlite_lock(db_url: str) -> Iterator[sqlite3.Connection]:
    if make_url(db_url).get_backend_name() != "sqlite":
        pytest.skip("SQLite write lock")
    connection = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


async def test_busy_sqlite_gives_503_never_500(
    client: httpx.AsyncClient, container: Container, sqlite_lock: sqlite3.Connection
) -> None:
    await create_product(container, price=1000, stock=3, skus=["BUSY-1"])
    cart_id = await ready_cart(client, {"BUSY-1": 1})
    sqlite_lock.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        response = await checkout(client, cart_id, key="busy-key")
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "database_busy"
        assert response.headers["Retry-After"] == "1"
        line = await client.post(
            f"{API}/carts/{cart_id}/lines", json={"sku": "BUSY-1", "quantity": 1}
        )
        assert line.status_code == 503
    finally:
        sqlite_lock.execute("ROLLBACK")
    assert await order_count(container) == 0
    assert await _keys(container) == 0
    assert await stock(container, "BUSY-1") == (3, 0)
