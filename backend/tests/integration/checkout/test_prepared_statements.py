"""Checkout's hot statements run once on each pooled connection as the pool is filled at start
(PostgreSQL: asyncpg prepares a statement on each connection at its first use), matching
nothing and writing nothing (ADR 0048)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
from sqlalchemy import event, text

from mercato.bootstrap import Container
from mercato.checkout import service as checkout_service
from tests.factories import create_product
from tests.integration.checkout.helpers import checkout, expect, guest_carts, stock

TABLES = ("stock_movement", "outbox_event", "idempotency_key", "shop_order", "payment")


async def _counts(container: Container) -> dict[str, Any]:
    async with container.db.session(write=False) as session:
        counts: dict[str, Any] = {
            table: await session.scalar(text(f"SELECT count(*) FROM {table}")) for table in TABLES
        }
        counts["open carts"] = await session.scalar(
            text("SELECT count(*) FROM cart WHERE status = 'open'")
        )
    return counts


async def test_the_pool_fills_with_checkouts_statements_run_on_every_connection(
    client: httpx.AsyncClient, container: Container, db_backend: str
) -> None:
    await create_product(container, price=1500, stock=10, skus=["PREP-1"])
    carts = await guest_carts(container, "PREP-1", 2)
    before = await _counts(container)
    ran: dict[int, list[str]] = defaultdict(list)

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        ran[id(conn.connection.dbapi_connection)].append(" ".join(statement.split()))

    engine = container.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        opened = await container.db.fill_pool(checkout_service.prepare_statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)

    if db_backend != "postgresql":  # SQLite has no pool to fill and nothing to prepare
        assert (opened, dict(ran)) == (0, {})
        return
    assert opened == engine.pool.size()
    assert len(ran) == opened
    for statements in ran.values():
        assert any(s.startswith("WITH level AS (UPDATE stock_level SET") for s in statements)
        assert any(s.startswith("UPDATE cart SET") for s in statements)  # the claim
        assert any(s.startswith("UPDATE idempotency_key SET") for s in statements)
        assert sum("FROM idempotency_key" in s for s in statements) >= 2  # alone, a burst's
        assert any("stock_level.sku IN" in s for s in statements)  # the stock gate's re-read
    assert await _counts(container) == before
    assert await stock(container, "PREP-1") == (10, 0)

    prepared = set(next(iter(ran.values())))
    used: list[str] = []

    def use(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        used.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", use)
    try:
        for cart in carts:
            expect(await checkout(client, cart), 201)
    finally:
        event.remove(engine, "before_cursor_execute", use)
    assert await stock(container, "PREP-1") == (10, 2)
    hot = [  # a one-SKU checkout's: exactly the texts prepared
        s
        for s in used
        if s.startswith(("WITH level AS", "UPDATE cart SET", "UPDATE idempotency_key SET"))
    ]
    assert len(hot) == 6, hot
    assert set(hot) <= prepared


async def test_a_preparation_that_fails_is_logged_and_the_pool_still_fills(
    container: Container, db_backend: str
) -> None:
    calls: list[Any] = []

    async def failing(connection: Any) -> None:
        calls.append(connection)
        await connection.execute(text("SELECT no_such_column FROM stock_level"))

    opened = await container.db.fill_pool(failing)
    if db_backend != "postgresql":
        assert (opened, calls) == (0, [])
        return
    assert opened == container.db.engine.sync_engine.pool.size()
    assert len(calls) == 1  # not tried again on the others
    async with container.db.one_read() as connection:  # the pooled connections work
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
