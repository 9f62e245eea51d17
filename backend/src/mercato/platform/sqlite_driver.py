"""aiosqlite, with one trip to the connection's thread per statement instead of four.

aiosqlite runs every call of the sqlite3 API on the connection's own thread, and SQLAlchemy's
adapter makes four such calls per statement (create the cursor, execute, fetch all, close), each a
hand-off through a queue and back through the event loop's self-pipe: ~95-150 µs apiece on this
machine, far more than the statement itself. A catalog read (BEGIN, two SELECTs, COMMIT, the
pool's reset) was fourteen of them (docs/benchmarks.md, ADR 0049).

Here the connection is opened with `check_same_thread=False` (SQLite itself is built serialized:
`sqlite3.threadsafety == 3`), so creating and closing a cursor, which do no I/O, happen on the
caller's thread; `execute` runs the statement and reads all its rows in one trip, and the fetch
calls hand them out. SQLAlchemy reads every row of a non-streaming result at once anyway; a
streaming one gets its rows from the same buffer. Everything else is aiosqlite's own code.

An `inline` connection (`connector(..., inline=True)`, the quick engine of ADR 0056) skips the
trip altogether: each call runs on the caller's thread, the event loop's, for reads bounded by an
index, which take less time than the trip to the connection's thread and back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager


def _run(cursor: sqlite3.Cursor, begin: str | None, sql: str, parameters: Any) -> list[Any]:
    if begin is not None:
        cursor.execute(begin)
    cursor.execute(sql, parameters)
    return cursor.fetchall() if cursor.description is not None else []


class OneTripCursor(aiosqlite.Cursor):
    _conn: OneTripConnection
    _rows: list[Any]
    _next = 0

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> OneTripCursor:
        parameters = [] if parameters is None else parameters
        begin = self._conn.take_begin()
        self._rows = await self._execute(_run, self._cursor, begin, sql, parameters)  # type: ignore[no-untyped-call]
        self._next = 0
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> OneTripCursor:
        self._rows = []
        if (begin := self._conn.take_begin()) is not None:
            await self._execute(self._cursor.execute, begin)  # type: ignore[no-untyped-call]
        await super().executemany(sql, parameters)
        return self

    def _take(self, size: int | None) -> list[Any]:
        start = self._next
        end = len(self._rows) if size is None else min(len(self._rows), start + size)
        self._next = end
        return self._rows[start:end]

    async def fetchone(self) -> Any:
        rows = self._take(1)
        return rows[0] if rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._take(self.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._take(None)

    async def close(self) -> None:
        self._rows = []
        self._cursor.close()  # no I/O: the statement ran to its end in `execute`


class OneTripConnection(aiosqlite.Connection):
    """Also: `BEGIN` goes with the transaction's first statement (`begin_with_next_statement`),
    and COMMIT / ROLLBACK outside a transaction (the pool's reset after a commit, a unit of work
    that ran nothing) are skipped rather than sent to the thread to do nothing there."""

    _begin: str | None = None
    inline = False  # run every call on the caller's thread (once connected)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.inline and self._connection is not None:
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    def begin_with_next_statement(self, begin: str) -> None:
        self._begin = begin

    def take_begin(self) -> str | None:
        begin, self._begin = self._begin, None
        return begin

    async def commit(self) -> None:
        self._begin = None
        if self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        self._begin = None
        if self._conn.in_transaction:
            await super().rollback()

    @contextmanager  # awaitable and an async context manager, as aiosqlite's own
    async def cursor(self) -> OneTripCursor:  # type: ignore[override]
        cursor = OneTripCursor(self, self._conn.cursor())
        cursor._rows = []
        return cursor


def connector(database: str, *, inline: bool = False, **kwargs: Any) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine`: opens `database` (a path, `:memory:`, or a
    `file:` URI) with sqlite3's keyword arguments (`timeout`, `uri`); `inline`: its statements
    then run on the caller's thread."""

    async def connect() -> OneTripConnection:
        connection = OneTripConnection(
            partial(sqlite3.connect, database, check_same_thread=False, **kwargs),
            iter_chunk_size=64,
        )
        connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does
        await connection  # opened on the connection's own thread, as aiosqlite does
        connection.inline = inline
        return connection

    return connect
