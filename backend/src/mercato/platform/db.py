"""Database layer: declarative base, engines and the unit of work.

SQLite (default) runs in WAL mode with foreign keys on and a busy timeout. Because SQLite has a
single writer, write transactions start with `BEGIN IMMEDIATE`: the write lock is taken up front
(waiting up to the busy timeout) instead of failing when a reader later tries to upgrade. Reads
use a plain deferred `BEGIN` and never block writers. On PostgreSQL both are the same engine.

Quick reads (`quick_read`, `quick_raw`; ADR 0056) are for statements an index bounds (a page
of a list, a product by its slug): on SQLite a third engine runs them on the event loop's own
thread, with a short busy timeout (`QuickReadBusy` past it: read again the ordinary way).
"""

from __future__ import annotations

import functools
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import (
    JSON,
    DateTime,
    Insert,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    literal_column,
    select,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import greenlet_spawn

from mercato.platform.clock import as_utc
from mercato.platform.errors import DatabaseBusy, is_sqlite_busy
from mercato.platform.raw_reads import RawReadLocked, RawReads, sqlite_rows

log = structlog.get_logger("mercato.platform.db")

# A connection's execution option: it runs one read statement, so on SQLite no BEGIN is sent
# (a single statement reads one snapshot anyway) and there is no COMMIT to send either.
ONE_STATEMENT = "mercato_one_statement"

# The longest a quick read on SQLite waits for a lock, holding up the event loop meanwhile. A
# read in WAL mode waits only in rare moments (another connection recovering the WAL index);
# past this it raises QuickReadBusy and the caller reads through the ordinary engine.
QUICK_BUSY_TIMEOUT_MS = 50


class QuickReadBusy(DatabaseBusy):
    """A quick read found the SQLite database locked: read again through `session` or
    `one_read` (answered 503 `database_busy` if it escapes)."""


@contextmanager
def _locked_as_quick_busy() -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        if is_sqlite_busy(exc):
            raise QuickReadBusy() from exc
        raise


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UuidText(TypeDecorator[str]):
    """A UUID column read as the API shows it (`str(uuid)`), for `type_coerce` in JSON-ready
    reads. SQLite stores a UUID as 32 hex digits, and parsing them into a `uuid.UUID` only to
    print it again cost ~80 µs of a 24-product list's miss; PostgreSQL's driver hands out its own
    UUID objects, printed as they are."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            if len(value) == 32:  # as SQLAlchemy writes it on SQLite
                return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
            return str(uuid.UUID(value))
        return str(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that always comes back as UTC (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


def table_of(model: type[Base]) -> Table:
    """A mapped class's Core table, for statements built once on the hot paths."""
    return model.__table__  # type: ignore[return-value]


@functools.cache
def insert_statement(table: Table) -> Insert:
    """A table's plain INSERT, built once (its columns come with the parameters)."""
    return insert(table)


async def insert_new(session: AsyncSession, *objects: Base) -> None:
    """Write new mapped objects with one prebuilt Core INSERT per run of same-table objects, in
    the order given (parents before children), without the unit of work; on PostgreSQL every
    run in one statement (ADR 0050).

    For append-only rows on a hot path (checkout): the ORM's flush cost more CPU than the
    INSERTs. The objects stay transient: read them afterwards (every column is filled in,
    Python-side defaults included), but change them through statements, not attributes. Only
    plain column attributes are written: set foreign keys by value, not through relationships.
    Objects pending in the session are not flushed first (they go in the commit's flush), so
    the rows written must not refer to one of them.
    """
    runs: list[tuple[Table, list[dict[str, Any]]]] = []
    for obj in objects:
        table, row = row_of(obj)
        if runs and runs[-1][0] is table:
            runs[-1][1].append(row)
        else:
            runs.append((table, [row]))
    with session.no_autoflush:
        if len(runs) > 1 and session.get_bind().dialect.name == "postgresql":
            await _insert_runs_at_once(session, runs)
            return
        for table, rows in runs:
            await session.execute(insert_statement(table), rows)


async def _insert_runs_at_once(
    session: AsyncSession, runs: list[tuple[Table, list[dict[str, Any]]]]
) -> None:
    """PostgreSQL: several tables' rows in ONE statement, one round trip: a one-row INSERT per
    row, each but the last in a data-modifying `WITH` (foreign keys are checked at the
    statement's end, so a child may come with its parent)."""
    shape, params = numbered([(table, row) for table, rows in runs for row in rows])
    await session.execute(_rows_statement(shape), params)


def numbered(
    rows: Sequence[tuple[Table, dict[str, Any]]],
) -> tuple[tuple[tuple[Table, tuple[str, ...]], ...], dict[str, Any]]:
    """Rows for one statement: its shape (each row's table and column keys, the statement's
    cache key) and its parameters, named `r<row>_<column key>`."""
    shape = tuple((table, tuple(row)) for table, row in rows)
    params = {f"r{i}_{key}": value for i, (_, row) in enumerate(rows) for key, value in row.items()}
    return shape, params


@functools.cache
def _rows_statement(shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> Insert:
    """The statement for rows of (table, column keys), built once per shape; its parameters
    are named `r<row>_<column key>`. One-row INSERTs: SQLAlchemy caches the compiled form of
    those, not of a multi-row VALUES (compiling it cost more than the round trips it saves)."""
    inserts = [
        insert(table).values(
            {key: bindparam(f"r{i}_{key}", type_=table.c[key].type) for key in keys}
        )
        for i, (table, keys) in enumerate(shape)
    ]
    *first, last = inserts
    return last.add_cte(*(statement.cte(f"insert_{i}") for i, statement in enumerate(first)))


async def insert_new_unless_taken(
    session: AsyncSession,
    obj: Base,
    *,
    unique: str,
    then: Callable[[], Sequence[Base]] = tuple,
) -> bool:
    """`insert_new` for one object whose `unique` column may already hold its value: True if it
    was written, False if a row had the value (nothing written; no error, the transaction goes
    on). One statement (`ON CONFLICT DO NOTHING`) instead of a look-up and then an INSERT.

    `then` makes the new rows that go with it (called once `obj`'s defaults are filled in, e.g.
    an event with its snapshot), written only if it was: on PostgreSQL in the same statement
    (each an `INSERT … SELECT … FROM` the conflict-free insert's `RETURNING`), elsewhere by
    INSERTs after it."""
    table, row = row_of(obj)
    followers = [row_of(follower) for follower in then()]
    dialect = session.get_bind().dialect
    with session.no_autoflush:
        if followers and dialect.name == "postgresql":
            shape, params = numbered([(table, row), *followers])
            result = await session.execute(_unless_taken_then(shape, unique), params)
            return getattr(result, "rowcount", 0) == 1
        result = await session.execute(_insert_unless_taken(dialect, table, unique), row)
        written = getattr(result, "rowcount", 0) == 1
        if written and followers:
            for follower_table, follower_row in followers:
                await session.execute(insert_statement(follower_table), [follower_row])
    return written


@functools.cache
def _unless_taken_then(shape: tuple[tuple[Table, tuple[str, ...]], ...], unique: str) -> Insert:
    """PostgreSQL: `WITH taken AS (INSERT … ON CONFLICT DO NOTHING RETURNING 1), then_0 AS
    (INSERT … SELECT … FROM taken) … INSERT … SELECT … FROM taken`, built once per shape; its
    parameters are named `r<row>_<column key>` (row 0 the first insert's)."""
    from sqlalchemy.dialects import postgresql

    (table, keys), *followers = shape
    taken = (
        postgresql.insert(table)
        .values({key: bindparam(f"r0_{key}", type_=table.c[key].type) for key in keys})
        .on_conflict_do_nothing(index_elements=[unique])
        .returning(literal_column("1").label("taken"))
        .cte("taken")
    )
    *first, last = inserts_for_each_row_of(taken, tuple(followers), start=1)
    return last.add_cte(taken, *(stmt.cte(f"then_{i}") for i, stmt in enumerate(first)))


def inserts_for_each_row_of(
    source: Any, shape: tuple[tuple[Table, tuple[str, ...]], ...], *, start: int = 0
) -> list[Insert]:
    """PostgreSQL: for rows of (table, column keys), one `INSERT … SELECT <the row's
    parameters> FROM source` each, to go in a data-modifying `WITH` with `source` (a CTE): each
    row is written once for every row `source` gives (once, or not at all when it gives none).
    Their parameters are named `r<row>_<column key>`, rows numbered from `start`."""
    return [
        insert(table).from_select(
            list(keys),
            select(
                *(bindparam(f"r{i}_{key}", type_=table.c[key].type).label(key) for key in keys)
            ).select_from(source),
        )
        for i, (table, keys) in enumerate(shape, start=start)
    ]


@functools.cache
def _insert_unless_taken(dialect: Dialect, table: Table, unique: str) -> Insert:
    if dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[unique])
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing(index_elements=[unique])


def row_of(obj: Base) -> tuple[Table, dict[str, Any]]:
    """An object's table and its row: every column, Python-side defaults filled in (and set on
    the object, so it reads as written)."""
    mapper = obj.__mapper__
    row: dict[str, Any] = {}
    values = obj.__dict__
    for prop in mapper.column_attrs:
        if prop.key in values:
            value = values[prop.key]
        else:
            default = prop.columns[0].default
            if default is None:
                value = None
            elif default.is_callable:
                value = default.arg(None)
            else:
                value = default.arg
            setattr(obj, prop.key, value)
        row[prop.columns[0].key] = value
    return mapper.local_table, row  # type: ignore[return-value]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_engine(
    url: str,
    *,
    busy_timeout_ms: int,
    immediate: bool,
    echo: bool,
    one_trip: bool = True,
    inline: bool = False,
) -> AsyncEngine:
    from mercato.platform.metrics import QuickPool, ReadPool, WritePool
    from mercato.platform.sqlite_driver import OneTripConnection, connector

    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    driver: dict[str, Any] = {"connect_args": {"timeout": busy_timeout_ms / 1000}}
    if one_trip and parsed.database and not parsed.query:  # a plain path or `:memory:`
        driver = {
            "async_creator": connector(
                parsed.database, inline=inline, timeout=busy_timeout_ms / 1000
            )
        }
    engine = create_async_engine(
        url,
        echo=echo,
        **driver,
        poolclass=WritePool if immediate else QuickPool if inline else ReadPool,
        pool_size=8 if not immediate else 4,
        max_overflow=8,
        pool_timeout=60,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's implicit transactions break IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if inline:
            cursor.execute("PRAGMA query_only=ON")  # quick reads only read
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(ONE_STATEMENT):
            return  # SQLite's autocommit: each statement is its own transaction
        driver_connection = conn.connection.driver_connection
        if isinstance(driver_connection, OneTripConnection):
            driver_connection.begin_with_next_statement(begin)  # one trip with the first statement
        else:
            conn.exec_driver_sql(begin)

    return engine


AfterCommitHook = Callable[[dict[Any, Any]], Awaitable[None]]
BeforeCommitHook = Callable[[AsyncSession], Awaitable[None]]


DEFAULT_PING_AFTER_IDLE_SECONDS = 1.0
POOL_TIMEOUT_SECONDS = 10.0  # PostgreSQL: the longest a request waits for a pooled connection


def ping_idle_connections(pool: Any, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout only when it sat idle for `idle_seconds` (0: always).

    SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip before each transaction
    (a checkout opens up to four), ~8 % of a checkout's CPU under load. A connection handed back
    moments ago is alive as far as a ping can tell; one that sat idle may have been closed by the
    server, a restart or a proxy, and is replaced here before anyone uses it (the pool retries
    the checkout with a new connection). A connection that dies while in steady use fails its
    next statement instead, which the API answers 503 `database_busy` (connection invalidated)."""

    @event.listens_for(pool, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or back in the pool moments ago
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError("the pooled connection is gone") from exc


@dataclass
class Database:
    """Engines and session factories for one configured database."""

    url: str
    engine: AsyncEngine
    write_engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    # SQLite: the engine of quick reads (statements on the event loop's thread); else `engine`
    quick_engine: AsyncEngine | None = None
    # SQLite: the connection of `quick_raw_rows`, opened at its first use
    _raw_sqlite: sqlite3.Connection | None = field(default=None, init=False, repr=False)
    # Awaited after a unit of work commits, with its `session.info` (e.g. the catalog cache
    # invalidates the products whose stock moved): before the response that made the change.
    after_commit: list[AfterCommitHook] = field(default_factory=list)
    # Awaited inside a unit of work that noted something in `session.info`, just before it
    # commits: reads the after-commit hooks need, made in the same transaction (no new session).
    before_commit: list[BeforeCommitHook] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        busy_timeout_ms: int = 5000,
        pool_size: int = 10,
        echo: bool = False,
        ping_after_idle_seconds: float = DEFAULT_PING_AFTER_IDLE_SECONDS,
        pool_timeout: float = POOL_TIMEOUT_SECONDS,
        sqlite_one_trip: bool = True,  # False: aiosqlite as shipped (bench/catalog/misses.py)
    ) -> Database:
        if is_sqlite(url):
            engine = _sqlite_engine(
                url,
                busy_timeout_ms=busy_timeout_ms,
                immediate=False,
                echo=echo,
                one_trip=sqlite_one_trip,
            )
            write_engine = _sqlite_engine(
                url,
                busy_timeout_ms=busy_timeout_ms,
                immediate=True,
                echo=echo,
                one_trip=sqlite_one_trip,
            )
            quick_engine = None  # aiosqlite as shipped has no inline mode
            if sqlite_one_trip:
                quick_engine = _sqlite_engine(
                    url,
                    busy_timeout_ms=QUICK_BUSY_TIMEOUT_MS,
                    immediate=False,
                    echo=echo,
                    inline=True,
                )
        else:
            from mercato.platform.metrics import InstrumentedPool

            # A fixed set of connections, no overflow: an overflow connection is opened for a
            # burst and closed again as soon as it is handed back, so every burst paid for new
            # PostgreSQL backends (asyncpg's set-up included) in its middle; `fill_pool` opens
            # them at start. Past `pool_size` a request waits for a connection (`pool_timeout`,
            # then 503 `database_busy`).
            engine = create_async_engine(
                url,
                echo=echo,
                poolclass=InstrumentedPool,
                pool_size=pool_size,
                max_overflow=0,
                pool_timeout=pool_timeout,
                # the connection handed back last goes out first: a light load keeps reusing a
                # few (their prepared statements and caches warm), a burst gets them all
                pool_use_lifo=True,
            )
            ping_idle_connections(engine.sync_engine.pool, ping_after_idle_seconds)
            write_engine = engine
            quick_engine = None
        from mercato.platform.metrics import instrument_pool

        if write_engine is engine:
            instrument_pool(engine.sync_engine.pool, "main")
        else:
            instrument_pool(engine.sync_engine.pool, "read")
            instrument_pool(write_engine.sync_engine.pool, "write")
        if quick_engine is not None:
            instrument_pool(quick_engine.sync_engine.pool, "quick")
        return cls(
            url=url,
            engine=engine,
            write_engine=write_engine,
            read_sessions=async_sessionmaker(engine, expire_on_commit=False),
            write_sessions=async_sessionmaker(write_engine, expire_on_commit=False),
            quick_engine=quick_engine,
        )

    @asynccontextmanager
    async def session(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block succeeds, rolls back when it raises."""
        factory = self.write_sessions if write else self.read_sessions
        async with factory() as session:
            try:
                yield session
                await self.prepare_commit(session)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            if session.info:
                for hook in self.after_commit:
                    await hook(session.info)

    async def prepare_commit(self, session: AsyncSession) -> None:
        """Run the before-commit hooks: `session()` does before its commit; code that commits
        a session itself (a bulk import's savepoints) calls it first."""
        if session.info:
            for prepare in self.before_commit:
                await prepare(session)

    async def fill_pool(
        self, prepare: Callable[[AsyncConnection], Awaitable[None]] | None = None
    ) -> int:
        """Open the pool's connections now (PostgreSQL; asyncpg's own pools do the same with
        `min_size`), so that the first burst finds them ready. Returns how many were opened; a
        database that does not answer is logged, not fatal (requests answer 503 meanwhile).

        `prepare` runs on each connection opened, in a transaction rolled back afterwards: the
        hot statements run there once (asyncpg prepares a statement on each connection at its
        first use). A `prepare` that fails is logged and not run on the rest; the pool still
        fills."""
        if self.dialect != "postgresql":
            return 0
        connections: list[AsyncConnection] = []
        pool: Any = self.engine.sync_engine.pool  # a QueuePool (from_url)
        try:
            for _ in range(pool.size()):
                connection = await self.engine.connect()
                connections.append(connection)
                if prepare is not None and not await self._prepared(connection, prepare):
                    prepare = None
        except Exception as exc:
            log.warning("database_pool_fill_failed", opened=len(connections), error=str(exc)[:200])
        finally:
            for connection in connections:
                await connection.close()
        return len(connections)

    @staticmethod
    async def _prepared(
        connection: AsyncConnection, prepare: Callable[[AsyncConnection], Awaitable[None]]
    ) -> bool:
        transaction = await connection.begin()
        try:
            await prepare(connection)
        except Exception as exc:
            log.warning("database_pool_prepare_failed", error=str(exc)[:200])
            return False
        finally:
            await transaction.rollback()
        return True

    def one_read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for ONE read statement (Core; no ORM session, whose set-up cost more
        than the statement): on PostgreSQL outside any transaction (autocommit: no `BEGIN` and
        `COMMIT` round trips around it; a single statement has its own snapshot anyway). On
        SQLite in autocommit too (`ONE_STATEMENT`: no `BEGIN` goes with the statement, so no
        `COMMIT` trip to the driver's thread follows it)."""
        return self._one_statement(write=False)

    @asynccontextmanager
    async def quick_read(self) -> AsyncIterator[AsyncConnection]:
        """`one_read` for a statement an index bounds (a page of a list, a product by slug): on
        SQLite it runs on the event loop's own thread, which costs less than the trip to the
        driver's thread and back (ADR 0056). Raises QuickReadBusy when SQLite is locked."""
        with _locked_as_quick_busy():
            async with self._one_statement(write=False, engine=self.quick_engine) as connection:
                yield connection

    @asynccontextmanager
    async def quick_raw(self) -> AsyncIterator[RawReads]:
        """Quick reads straight on the driver's connection (`RawReads`: SQLAlchemy Core
        statements, rows processed as SQLAlchemy would, without its execution machinery), for
        a hot read of several statements (a product page, ADR 0056). SQLite: the raw connection
        of `quick_raw_rows`, each statement its own snapshot; PostgreSQL: one pooled connection
        in autocommit (read committed, as in a transaction). Raises QuickReadBusy when SQLite is
        locked."""
        if self.quick_engine is not None:
            try:
                yield RawReads(self.engine.dialect, self._raw_sqlite_connection())
            except RawReadLocked as exc:
                raise QuickReadBusy() from exc
            return
        async with self._pooled_driver_connection() as driver:
            yield RawReads(self.engine.dialect, driver)

    @asynccontextmanager
    async def raw_read(self, *, planner_settings: str = "") -> AsyncIterator[RawReads]:
        """`quick_raw` for reads no index bounds (a search may rank thousands of rows): on
        SQLite the statements run on a pooled connection's own thread, so the event loop goes
        on meanwhile. PostgreSQL: `planner_settings` (e.g. `SET LOCAL enable_seqscan = off`,
        our own text, never input) are applied in a read-only transaction around the reads;
        without them, autocommit. Raises QuickReadBusy when SQLite is locked."""
        if self.dialect == "sqlite":
            async with self._one_statement(write=False) as connection:
                raw = await connection.get_raw_connection()
                try:
                    yield RawReads(self.engine.dialect, raw.driver_connection)
                except RawReadLocked as exc:
                    raise QuickReadBusy() from exc
            return
        async with self._pooled_driver_connection() as driver:
            if not planner_settings:
                yield RawReads(self.engine.dialect, driver)
                return
            # one round trip for both (asyncpg's `transaction()` sends its BEGIN alone)
            await driver.execute(f"BEGIN READ ONLY; {planner_settings}")
            try:
                yield RawReads(self.engine.dialect, driver)
            finally:
                try:
                    await driver.execute("ROLLBACK")  # it wrote nothing to commit
                except BaseException:
                    driver.terminate()  # never pooled again inside the transaction
                    raise

    @asynccontextmanager
    async def _pooled_driver_connection(self) -> AsyncIterator[Any]:
        """PostgreSQL: asyncpg's connection of a pooled one, straight from the pool (its
        checkout events run: the metrics, the ping after idling), without SQLAlchemy's
        `Connection` around it, which cost more than a page's statement; asyncpg outside a
        transaction is in autocommit. One lost while in use is invalidated, not pooled again."""
        dbapi = self.engine.dialect.loaded_dbapi
        try:
            pooled = await self.engine.raw_connection()
        except dbapi.Error as exc:  # as `engine.connect()` raises it
            raise DBAPIError.instance(None, None, exc, dbapi.Error) from exc
        driver: Any = pooled.driver_connection
        try:
            yield driver
        except BaseException:
            if driver.is_closed():
                await greenlet_spawn(pooled.invalidate)
            raise
        finally:
            await greenlet_spawn(pooled.close)  # back to the pool (or gone, when invalidated)

    async def quick_raw_rows(self, sql: str) -> list[Any]:
        """The rows of `sql`, a whole statement with its values written in (no parameters), as
        the driver returns them: no SQLAlchemy execution or result processing, which cost more
        than the statement. For the hottest quick read (a list's first page, ADR 0056). SQLite:
        one connection of its own, on the event loop's thread; PostgreSQL: asyncpg's connection
        of a pooled one, in autocommit. Raises QuickReadBusy when SQLite is locked."""
        if self.quick_engine is not None:
            try:
                return sqlite_rows(self._raw_sqlite_connection(), sql)
            except RawReadLocked as exc:
                raise QuickReadBusy() from exc
        if self.dialect == "postgresql":
            async with self._pooled_driver_connection() as driver:
                return list(await driver.fetch(sql))
        async with self._one_statement(write=False) as connection:
            return list(await connection.exec_driver_sql(sql))

    def _raw_sqlite_connection(self) -> sqlite3.Connection:
        if self._raw_sqlite is None:
            path = make_url(self.url).database or ""
            connection = sqlite3.connect(
                path,
                timeout=QUICK_BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # autocommit: one statement, one snapshot
                check_same_thread=False,  # used on the loop's thread, closed from anywhere
            )
            connection.execute("PRAGMA query_only=ON")
            self._raw_sqlite = connection
        return self._raw_sqlite

    def one_write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for ONE write statement (Core, no ORM unit of work): on PostgreSQL in
        autocommit, the statement is its own transaction (no `BEGIN` and `COMMIT` round trips);
        on SQLite the connection of an ordinary write unit of work. No commit hooks run."""
        return self._one_statement(write=True)

    @asynccontextmanager
    async def _one_statement(
        self, *, write: bool, engine: AsyncEngine | None = None
    ) -> AsyncIterator[AsyncConnection]:
        if self.dialect == "sqlite" and write:
            async with self.session(write=True) as session:  # BEGIN IMMEDIATE: the write lock
                yield await session.connection()
            return
        engine = engine or (self.write_engine if write else self.engine)
        async with engine.connect() as connection:
            if self.dialect == "sqlite":  # no BEGIN, so no COMMIT trip to the driver's thread
                yield await connection.execution_options(**{ONE_STATEMENT: True})
            else:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
        if self.quick_engine is not None:
            await self.quick_engine.dispose()
        if self._raw_sqlite is not None:
            self._raw_sqlite.close()
            self._raw_sqlite = None
