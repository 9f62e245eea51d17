"""PostgreSQL's pool pings a connection only when it sat idle (`ping_idle_connections`): a
connection the server closed while it waited in the pool is replaced before anyone uses it, and a
connection handed back moments ago is used without a round trip. `Database.one_read` and
`one_write` run their statement without BEGIN/COMMIT and hand the connection back as they found
it."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asyncpg.exceptions import DivisionByZeroError
from sqlalchemy import column, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from mercato.platform.db import Database


@pytest.fixture
def pg_url(pg_database_url: str) -> str:
    return pg_database_url


async def _backend_pid(db: Database) -> int:
    async with db.session(write=False) as session:
        return int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def _terminate(url: str, pid: int) -> None:
    admin = create_async_engine(url)
    try:
        async with admin.connect() as conn:
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()


async def test_a_connection_closed_by_the_server_while_idle_is_replaced(pg_url: str) -> None:
    db = Database.from_url(pg_url, pool_size=1, ping_after_idle_seconds=0.2)
    try:
        pid = await _backend_pid(db)
        await _terminate(pg_url, pid)  # an idle timeout, a restart, a proxy dropping it
        await asyncio.sleep(0.3)
        assert await _backend_pid(db) not in (0, pid)  # no error: pinged, found dead, replaced
    finally:
        await db.dispose()


async def test_a_connection_back_in_the_pool_moments_ago_is_not_pinged(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.from_url(pg_url, pool_size=1, ping_after_idle_seconds=2.0)
    pings = 0
    try:
        async with db.engine.connect() as conn:
            adapter = type((await conn.get_raw_connection()).dbapi_connection)
        real_ping = adapter.ping

        def counting_ping(self: object) -> None:
            nonlocal pings
            pings += 1
            real_ping(self)

        monkeypatch.setattr(adapter, "ping", counting_ping)
        for _ in range(5):
            await _backend_pid(db)
        assert pings == 0
        await asyncio.sleep(2.2)  # idle past the threshold
        await _backend_pid(db)
        assert pings == 1
    finally:
        await db.dispose()


async def _two_nows(session: AsyncSession | AsyncConnection) -> tuple[object, object]:
    first = await session.scalar(text("SELECT now()"))
    await session.execute(text("SELECT pg_sleep(0.01)"))
    return first, await session.scalar(text("SELECT now()"))


async def test_one_read_runs_outside_a_transaction_and_leaves_the_pool_as_it_was(
    pg_url: str,
) -> None:
    db = Database.from_url(pg_url, pool_size=1)
    try:
        async with db.one_read() as session:
            first, second = await _two_nows(session)
            assert first != second  # no BEGIN: each statement is its own transaction
        async with db.session(write=False) as session:  # the same pooled connection, reset
            first, second = await _two_nows(session)
            assert first == second  # one transaction again
    finally:
        await db.dispose()


async def test_one_write_commits_its_statement_by_itself(pg_url: str) -> None:
    """`one_write` (checkout's Idempotency-Key claim): the INSERT is its own transaction (no
    BEGIN: `now()` moves between statements), committed when the block ends without a COMMIT,
    and a duplicate is refused at once by the unique key."""
    db = Database.from_url(pg_url, pool_size=1)
    table = f"one_write_{uuid.uuid4().hex[:8]}"
    try:
        async with db.session() as session:
            await session.execute(text(f"CREATE TABLE {table} (k TEXT PRIMARY KEY)"))
        async with db.one_write() as session:
            first, second = await _two_nows(session)
            assert first != second
            await session.execute(text(f"INSERT INTO {table} VALUES ('a')"))
        async with db.session(write=False) as session:
            assert await session.scalar(text(f"SELECT count(*) FROM {table}")) == 1
        with pytest.raises(IntegrityError):
            async with db.one_write() as session:
                await session.execute(text(f"INSERT INTO {table} VALUES ('a')"))
    finally:
        async with db.session() as session:
            await session.execute(text(f"DROP TABLE IF EXISTS {table}"))
        await db.dispose()


async def test_a_connection_that_dies_in_steady_use_fails_once_and_is_replaced(
    pg_url: str,
) -> None:
    db = Database.from_url(pg_url, pool_size=1, ping_after_idle_seconds=60)
    try:
        pid = await _backend_pid(db)
        await _terminate(pg_url, pid)  # a restart while the connection is in steady use
        with pytest.raises(DBAPIError) as failed:
            await _backend_pid(db)
        # what the API's error handler answers 503 `database_busy` (Retry-After: 1) for
        assert failed.value.connection_invalidated
        assert await _backend_pid(db) not in (0, pid)  # the next one gets a new connection
    finally:
        await db.dispose()


async def test_a_raw_read_on_a_dead_connection_fails_once_and_the_connection_is_replaced(
    pg_url: str,
) -> None:
    """`Database.quick_raw` and `quick_raw_rows` read on asyncpg's connection, past SQLAlchemy:
    a connection lost there is invalidated, not handed back to the pool for the next request to
    fail on too."""
    db = Database.from_url(pg_url, pool_size=1, ping_after_idle_seconds=60)

    async def statement_pid() -> int:
        async with db.quick_raw() as reads:
            [(pid,)] = await reads.rows(select(func.pg_backend_pid()), {})
        return int(pid)

    async def text_pid() -> int:
        [(pid,)] = await db.quick_raw_rows("SELECT pg_backend_pid()")
        return int(pid)

    try:
        for backend_pid in (statement_pid, text_pid):
            pid = await backend_pid()
            await _terminate(pg_url, pid)
            with pytest.raises(Exception):  # noqa: B017 - asyncpg's own, whichever it raises
                await backend_pid()
            assert await backend_pid() not in (0, pid)
    finally:
        await db.dispose()


_SEQSCAN = text("SELECT current_setting('enable_seqscan')").columns(column("value"))
# on inside the raw read's own (read-only) transaction; off once it ended
_READ_ONLY = text("SELECT current_setting('transaction_read_only')").columns(column("value"))


async def test_a_raw_read_with_planner_settings_leaves_no_transaction_and_no_setting(
    pg_url: str,
) -> None:
    """`Database.raw_read(planner_settings=…)` applies them in a transaction of its own, which
    ends however the read ends (done, failed, cancelled mid-statement): the pooled connection
    goes back as it came, or, when the transaction could not be ended, not at all."""
    db = Database.from_url(pg_url, pool_size=1, ping_after_idle_seconds=60)
    off = "SET LOCAL enable_seqscan = off"

    async def after() -> tuple[str, str, int]:
        async with db.quick_raw() as reads:
            [(setting,)] = await reads.rows(_SEQSCAN, {})
            [(read_only,)] = await reads.rows(_READ_ONLY, {})
            [(pid,)] = await reads.rows(select(func.pg_backend_pid()), {})
        return setting, read_only, int(pid)

    try:
        async with db.raw_read(planner_settings=off) as reads:
            assert await reads.rows(_SEQSCAN, {}) == [("off",)]
            assert await reads.rows(_READ_ONLY, {}) == [("on",)]
        setting, read_only, pid = await after()
        assert (setting, read_only) == ("on", "off")

        with pytest.raises(DivisionByZeroError):  # a statement fails: rolled back all the same
            async with db.raw_read(planner_settings=off) as reads:
                await reads.rows(text("SELECT 1 / 0").columns(column("value")), {})
        assert await after() == ("on", "off", pid)  # the same connection, pooled again

        async def slow() -> None:
            async with db.raw_read(planner_settings=off) as reads:
                await reads.rows(text("SELECT pg_sleep(5)").columns(column("value")), {})

        task = asyncio.create_task(slow())
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        setting, read_only, _ = await after()
        assert (setting, read_only) == ("on", "off")
    finally:
        await db.dispose()
