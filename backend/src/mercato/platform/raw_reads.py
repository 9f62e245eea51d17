"""SQLAlchemy Core statements run straight on the driver's connection (ADR 0056).

For the hottest quick reads, SQLAlchemy's execution and result machinery around a statement cost
several times the statement itself. A `RawPlan` is what SQLAlchemy would send and do, worked out
once per statement and dialect: the SQL text with its positional parameters, each parameter's
default and bind processor, and each column's result processor. `RawReads.rows` then binds,
executes on the DB-API (sqlite3) or asyncpg connection, and processes the rows as SQLAlchemy
would, so the rows equal `connection.execute(statement, values).all()`'s.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

Processor = Callable[[Any], Any]


class RawReadLocked(Exception):
    """SQLite answered "database is locked" to a raw read (the caller's to translate)."""


def sqlite_rows(connection: sqlite3.Connection, sql: str, args: Sequence[Any] = ()) -> list[Any]:
    """sqlite3's rows of `sql`; RawReadLocked when the database is locked."""
    try:
        return connection.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower():
            raise RawReadLocked() from exc
        raise


@dataclass(frozen=True, slots=True)
class RawPlan:
    sql: str
    binds: tuple[tuple[str, Any, Processor | None], ...]  # (name, default, processor), in order
    results: tuple[tuple[int, Processor], ...]  # (column index, processor), processed ones only

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        args = []
        for name, default, process in self.binds:
            value = values.get(name, default)
            args.append(process(value) if process is not None else value)
        return args

    def processed(self, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        if not self.results:
            return [tuple(row) for row in rows]
        out = []
        for raw in rows:
            row = list(raw)
            for index, process in self.results:
                row[index] = process(row[index])
            out.append(tuple(row))
        return out


@lru_cache(maxsize=2048)
def plan(
    statement: Select[*tuple[Any, ...]],
    dialect: Dialect,
    literals: tuple[tuple[str, Any], ...] = (),
) -> RawPlan:
    """`statement` (built once and reused: plans are cached by identity) compiled for `dialect`.
    Literal-execute parameters (a page size, `aggregate_strings`' separator) are written in,
    with the values in `literals` or their own; the others become positional parameters."""
    compiled = statement.compile(dialect=dialect)
    values = {name: None for name, bind in compiled.binds.items() if bind.required}
    values.update(literals)
    expanded = compiled.construct_expanded_state(values)
    binds = []
    for name in expanded.positiontup or ():
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append((name, None if bind.required else bind.effective_value, process))
    results = []
    for index, column in enumerate(statement.selected_columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            results.append((index, process))
    return RawPlan(expanded.statement, tuple(binds), tuple(results))


@lru_cache(maxsize=2048)
def _literal_names(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> tuple[str, ...]:
    """The names of `statement`'s literal-execute parameters: their values select the plan."""
    compiled = statement.compile(dialect=dialect)
    return tuple(sorted(bind.key for bind in compiled.literal_execute_params))


async def aiosqlite_rows(connection: Any, sql: str, args: Sequence[Any] = ()) -> list[Any]:
    """`sqlite_rows` on an aiosqlite connection: run and fetched in one trip to its thread."""
    try:
        return list(await connection.execute_fetchall(sql, args))
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower():
            raise RawReadLocked() from exc
        raise


class RawReads:
    """Read statements on one raw connection: sqlite3's (on the calling thread), aiosqlite's
    (on the connection's own thread), each statement its own snapshot; or asyncpg's (a pooled
    connection, in autocommit or in the transaction its holder began). Made by
    `Database.quick_raw` and `Database.raw_read`."""

    def __init__(self, dialect: Dialect, connection: Any) -> None:
        self._dialect = dialect
        self._connection = connection
        self._sqlite = isinstance(connection, sqlite3.Connection)
        self._aiosqlite = not self._sqlite and dialect.name == "sqlite"

    async def rows(
        self, statement: Select[*tuple[Any, ...]], values: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """`statement`'s rows with `values` bound, processed as SQLAlchemy processes them."""
        literal = _literal_names(statement, self._dialect)
        raw_plan = plan(
            statement, self._dialect, tuple((n, values[n]) for n in literal if n in values)
        )
        args = raw_plan.args(values)
        if self._sqlite:
            raw = sqlite_rows(self._connection, raw_plan.sql, args)
        elif self._aiosqlite:
            raw = await aiosqlite_rows(self._connection, raw_plan.sql, args)
        else:
            raw = await self._connection.fetch(raw_plan.sql, *args)
        return raw_plan.processed(raw)
