"""The one-trip aiosqlite connection (platform/sqlite_driver.py, ADR 0049) under SQLAlchemy."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, Integer, String, bindparam, column, func, select, table, text
from sqlalchemy.exc import OperationalError

from mercato.platform.db import Database, QuickReadBusy
from mercato.platform.sqlite_driver import OneTripConnection

ITEM = table("item", column("id", Integer), column("name", String))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    async with database.session() as session:
        await session.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)"))
        await session.execute(
            text("INSERT INTO item (name) VALUES ('a'), ('b'), ('c'), ('d'), ('e')")
        )
    yield database
    await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function sent to a connection's thread."""
    sent: list[str] = []
    original = OneTripConnection._execute

    async def counted(self: OneTripConnection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(OneTripConnection, "_execute", counted)
    return sent


async def test_the_engines_use_the_one_trip_connection(db: Database) -> None:
    for engine in (db.engine, db.write_engine):
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, OneTripConnection)


async def test_a_read_with_one_statement_is_two_trips(db: Database, trips: list[str]) -> None:
    async with db.session(write=False) as session:  # opens the read pool's connection
        await session.execute(text("SELECT 1"))
    trips.clear()
    async with db.session(write=False) as session:
        assert (await session.execute(text("SELECT count(*) FROM item"))).scalar_one() == 5
    # BEGIN with the SELECT, then COMMIT; the pool's reset finds no transaction and sends nothing
    assert trips == ["_run", "commit"]


async def test_a_unit_of_work_that_runs_nothing_sends_nothing(
    db: Database, trips: list[str]
) -> None:
    async with db.session() as session:
        await session.connection()  # checked out, transaction begun, no statement
    assert trips == []


async def test_a_read_sees_one_snapshot_across_statements(db: Database) -> None:
    """BEGIN travels with the first statement: the second statement still reads the snapshot
    the first one began, whatever commits in between."""
    async with db.session(write=False) as reader:
        before = (await reader.execute(text("SELECT count(*) FROM item"))).scalar_one()
        async with db.session() as writer:
            await writer.execute(text("INSERT INTO item (name) VALUES ('f')"))
        again = (await reader.execute(text("SELECT count(*) FROM item"))).scalar_one()
        assert (before, again) == (5, 5)
    async with db.session(write=False) as fresh:
        assert (await fresh.execute(text("SELECT count(*) FROM item"))).scalar_one() == 6


async def test_writers_still_take_the_write_lock_at_their_first_statement(db: Database) -> None:
    """BEGIN IMMEDIATE with the first statement: a second writer waits for the lock (here: its
    busy timeout is short, so it fails rather than writing beside the first)."""
    impatient = Database.from_url(str(db.engine.url), busy_timeout_ms=100)
    try:
        async with db.session() as first:
            await first.execute(text("UPDATE item SET name = 'x' WHERE id = 1"))
            with pytest.raises(OperationalError, match="locked"):
                async with impatient.session() as second:
                    await second.execute(text("SELECT 1"))
    finally:
        await impatient.dispose()
    async with db.session(write=False) as session:
        assert (await session.execute(text("SELECT name FROM item WHERE id = 1"))).scalar() == "x"


async def test_streamed_rows_and_partial_fetches_come_from_the_buffer(db: Database) -> None:
    async with db.session(write=False) as session:
        result = await session.stream(text("SELECT name FROM item ORDER BY id"))
        chunks = [[row.name for row in chunk] async for chunk in result.partitions(2)]
        assert chunks == [["a", "b"], ["c", "d"], ["e"]]
        first = (await session.execute(text("SELECT name FROM item ORDER BY id"))).first()
        assert first is not None
        assert first.name == "a"


async def test_a_failed_statement_rolls_back_and_the_connection_is_reused(db: Database) -> None:
    async def insert_then_fail() -> None:
        async with db.session() as session:
            await session.execute(text("INSERT INTO item (name) VALUES ('g')"))
            await session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(OperationalError):
        await insert_then_fail()
    async with db.session() as session:
        names = (await session.execute(text("SELECT name FROM item"))).scalars().all()
        assert "g" not in names
        await session.execute(text("INSERT INTO item (name) VALUES ('h')"))
    async with db.session(write=False) as session:
        assert (await session.execute(text("SELECT count(*) FROM item"))).scalar_one() == 6


# ------------------------------------------------------------- quick reads (ADR 0056)


async def _thread_running(connection: Any) -> int:
    """The id of the thread that runs a statement on `connection` (a SQL function it calls)."""
    raw = await connection.get_raw_connection()
    raw.driver_connection._conn.create_function("thread_id", 0, threading.get_ident)
    return int((await connection.execute(text("SELECT thread_id()"))).scalar_one())


async def test_quick_reads_run_on_the_event_loops_thread_the_others_on_the_drivers(
    db: Database,
) -> None:
    loop_thread = threading.get_ident()
    async with db.quick_read() as connection:
        assert await _thread_running(connection) == loop_thread
    async with db.one_read() as connection:
        assert await _thread_running(connection) != loop_thread
    async with db.session(write=False) as session:
        assert await _thread_running(await session.connection()) != loop_thread


async def test_quick_reads_see_what_was_committed(db: Database) -> None:
    async with db.quick_read() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM item"))).scalar_one() == 5
    async with db.session() as writer:
        await writer.execute(text("INSERT INTO item (name) VALUES ('f')"))
    async with db.quick_read() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM item"))).scalar_one() == 6


async def test_quick_reads_cannot_write(db: Database) -> None:
    with pytest.raises(OperationalError, match="readonly"):
        async with db.quick_read() as connection:
            await connection.execute(text("INSERT INTO item (name) VALUES ('z')"))
    async with db.session(write=False) as session:
        assert (await session.execute(text("SELECT count(*) FROM item"))).scalar_one() == 5


async def test_a_quick_read_of_a_locked_database_gives_up_at_once(db: Database) -> None:
    """A connection in exclusive locking mode that wrote keeps even WAL readers out: the quick
    read waits its short busy timeout, not the ordinary one, and raises QuickReadBusy."""
    path = db.engine.url.database
    assert path is not None
    await db.dispose()  # no pooled connection open: the locker can take the exclusive lock
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        locker.execute("PRAGMA locking_mode=EXCLUSIVE")
        locker.execute("BEGIN EXCLUSIVE")
        locker.execute("UPDATE item SET name = 'locked' WHERE id = 1")
        started = time.monotonic()
        with pytest.raises(QuickReadBusy):
            async with db.quick_read() as reader:
                await reader.execute(text("SELECT count(*) FROM item"))
        assert time.monotonic() - started < 2.0  # the ordinary busy timeout is 5 s
        started = time.monotonic()
        with pytest.raises(QuickReadBusy):
            await db.quick_raw_rows("SELECT count(*) FROM item")
        with pytest.raises(QuickReadBusy):
            async with db.quick_raw() as reads:
                await reads.rows(select(ITEM.c.id), {})
        assert time.monotonic() - started < 4.0
        locker.execute("COMMIT")
    finally:
        locker.close()
    async with db.quick_read() as connection:
        name = (await connection.execute(text("SELECT name FROM item WHERE id = 1"))).scalar()
        assert name == "locked"


async def test_raw_quick_reads_give_the_drivers_rows_on_the_loops_thread_and_cannot_write(
    db: Database,
) -> None:
    assert await db.quick_raw_rows("SELECT id, name FROM item ORDER BY id LIMIT 2") == [
        (1, "a"),
        (2, "b"),
    ]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.quick_raw_rows("DELETE FROM item")
    async with db.session() as writer:  # a commit is seen by the next raw read
        await writer.execute(text("INSERT INTO item (name) VALUES ('f')"))
    assert await db.quick_raw_rows("SELECT count(*) FROM item") == [(6,)]
    raw = db._raw_sqlite
    assert raw is not None
    raw.create_function("thread_id", 0, threading.get_ident)
    assert await db.quick_raw_rows("SELECT thread_id()") == [(threading.get_ident(),)]


async def test_raw_reads_of_core_statements_bind_and_process_as_sqlalchemy_does(
    db: Database,
) -> None:
    """`quick_raw`: a Core statement's parameters bound by name (a limit's default too), its
    rows processed by its columns' types (a SQLite integer read as a bool), on the loop's
    thread (on `quick_raw_rows`' read-only connection)."""
    statement = (
        select(ITEM.c.id, ITEM.c.name, (ITEM.c.id > 3).cast(Boolean))
        .where(ITEM.c.id > bindparam("after"))
        .order_by(ITEM.c.id)
        .limit(2)
    )
    async with db.quick_raw() as reads:
        raw = await reads.rows(statement, {"after": 2})
    async with db.one_read() as connection:
        assert raw == [tuple(row) for row in await connection.execute(statement, {"after": 2})]
    assert raw == [(3, "c", False), (4, "d", True)]
    db._raw_sqlite.create_function("thread_id", 0, threading.get_ident)  # type: ignore[union-attr]
    async with db.quick_raw() as reads:
        assert await reads.rows(select(func.thread_id()), {}) == [(threading.get_ident(),)]
