"""PostgreSQL's pool is a fixed set of connections, opened at start (`Database.fill_pool`): a burst
neither opens nor closes connections in its middle, and a request that finds none free in time is
a 503 `database_busy`, not a 500."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from mercato.bootstrap import build_container
from mercato.main import create_app
from mercato.platform.db import Database
from tests.conftest import make_settings


@pytest.fixture
def pg_url(pg_database_url: str) -> str:
    return pg_database_url


async def test_the_pool_is_opened_at_start_and_a_burst_keeps_it(pg_url: str) -> None:
    db = Database.from_url(pg_url, pool_size=4)
    pool: Any = db.engine.sync_engine.pool
    opened: list[object] = []
    closed: list[object] = []
    event.listen(pool, "connect", lambda dbapi, _record: opened.append(dbapi))
    event.listen(pool, "close", lambda dbapi, _record: closed.append(dbapi))
    try:
        assert await db.fill_pool() == 4
        assert len(opened) == 4
        assert pool.checkedin() == 4  # open and waiting before any request

        async def one_read() -> None:
            async with db.one_read() as connection:
                await connection.execute(text("SELECT pg_sleep(0.01)"))

        await asyncio.gather(*(one_read() for _ in range(40)))  # ten times the pool at once
        assert len(opened) == 4  # none opened for the burst...
        assert closed == []  # ...and none closed after it
        assert pool.checkedin() == 4
    finally:
        await db.dispose()


async def test_sqlite_has_no_pool_to_fill(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        assert await db.fill_pool() == 0
    finally:
        await db.dispose()


async def test_no_free_connection_in_time_is_a_503(pg_url: str, tmp_path: Path) -> None:
    container = build_container(make_settings(pg_url, tmp_path))
    await container.db.dispose()
    container.db = Database.from_url(pg_url, pool_size=1, pool_timeout=0.2)
    app = create_app(container.settings, container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with (
            container.db.engine.connect() as held,  # the only connection, busy elsewhere
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        ):
            await held.execute(text("SELECT 1"))
            response = await client.get("/api/v1/products")
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "database_busy"
        assert response.headers["Retry-After"] == "1"
    finally:
        await container.aclose()
