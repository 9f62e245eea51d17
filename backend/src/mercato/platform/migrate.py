"""Run Alembic migrations programmatically (used by `mercato db upgrade`, `make run` and tests)."""

from __future__ import annotations

import asyncio
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError as AlembicRevisionError
from alembic.util import CommandError

from mercato.platform.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


class RevisionError(Exception):
    """A target revision Alembic refused, or a migration that cannot run on this database's
    data; the message is one line for the operator."""


class MigrationRefused(Exception):
    """Raised by a migration that would lose or break data as things stand (e.g. SKUs differing
    only by case before their unique index): nothing of it was applied; the message says what
    to change first."""


def _revision_problem(cfg: Config, revision: str, exc: CommandError) -> str:
    revisions = [script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()]
    known = f"{revisions[-1]}..{revisions[0]}, base, heads, -N / +N" if revisions else "none"
    if "Can't locate revision" in str(exc) or "No such revision" in str(exc):
        return f"no revision {revision!r} (known: {known})"
    return f"cannot migrate to {revision!r}: {str(exc).splitlines()[0]} (known: {known})"


def _migrate(settings: Settings, revision: str, upgrading: bool) -> list[tuple[str, str]]:
    """Migrate up or down to `revision`; the (revision, title) of each one applied or reverted."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[str, str]] = []

    def on_version_apply(*, step: Any, **_: Any) -> None:
        if step.is_upgrade == upgrading:
            steps.append((step.up_revision_id, (step.up_revision.doc or "").strip()))

    cfg = alembic_config(settings.effective_database_url)
    cfg.attributes["on_version_apply"] = on_version_apply
    try:
        (command.upgrade if upgrading else command.downgrade)(cfg, revision)
    except CommandError as exc:
        raise RevisionError(_revision_problem(cfg, revision, exc)) from None
    except MigrationRefused as exc:
        raise RevisionError(str(exc)) from None
    return steps


def upgrade(settings: Settings, revision: str = "heads") -> list[tuple[str, str]]:
    """Apply migrations; the (revision, title) of each one applied, in order."""
    return _migrate(settings, revision, upgrading=True)


def downgrade(settings: Settings, revision: str) -> list[tuple[str, str]]:
    """Revert migrations; the (revision, title) of each one reverted, in order (the database is
    then at the revision before the last one: `revision_before`)."""
    return _migrate(settings, revision, upgrading=False)


@dataclass(frozen=True)
class Loss:
    """Data a downgrade would delete: a table it drops (`column` None) or a column it drops
    from a table it keeps, and how many rows (non-null values for a column) it holds."""

    table: str
    column: str | None
    rows: int

    def __str__(self) -> str:
        name = self.table if self.column is None else f"{self.table}.{self.column}"
        unit = "row" if self.column is None else "value"
        return f"{name} ({self.rows:,} {unit}{'s' if self.rows != 1 else ''})"


def _schema(
    database_url: str, managed: Callable[[str], bool]
) -> tuple[str | None, dict[str, set[str]]]:
    """The database's revision and its `managed` tables with their columns."""
    from sqlalchemy import inspect, pool
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import create_async_engine

    def read(conn: Connection) -> tuple[str | None, dict[str, set[str]]]:
        from alembic.migration import MigrationContext

        heads = MigrationContext.configure(conn).get_current_heads()
        inspector = inspect(conn)
        tables = {
            name: {column["name"] for column in inspector.get_columns(name)}
            for name in inspector.get_table_names()
            if name != "alembic_version" and managed(name)
        }
        return (heads[0] if heads else None), tables

    async def run() -> tuple[str | None, dict[str, set[str]]]:
        engine = create_async_engine(database_url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(read)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _count(database_url: str, places: list[tuple[str, str | None]]) -> list[int]:
    """Rows of each table, or non-null values of each (table, column)."""
    from sqlalchemy import column, func, pool, select, table
    from sqlalchemy.ext.asyncio import create_async_engine

    async def run() -> list[int]:
        engine = create_async_engine(database_url, poolclass=pool.NullPool)
        counts: list[int] = []
        try:
            async with engine.connect() as conn:
                for name, col in places:
                    query = select(func.count()).select_from(table(name))
                    if col is not None:
                        query = query.where(column(col).is_not(None))
                    counts.append(int((await conn.execute(query)).scalar_one()))
        finally:
            await engine.dispose()
        return counts

    return asyncio.run(run())


def downgrade_losses(
    settings: Settings, revision: str, managed: Callable[[str], bool] = lambda _: True
) -> list[Loss]:
    """What `downgrade(settings, revision)` would delete: each table it drops that holds rows and
    each column it drops (from a table it keeps) that holds values, largest first. The schema
    at `revision` is read from a scratch SQLite database migrated up to it (the migrations make
    the same tables and columns on every database). Nothing is changed; a revision Alembic
    refuses is a `RevisionError`, as the downgrade itself would raise. Only the tables
    `managed` accepts are looked at (the CLI passes `mercato.models.is_managed_table`: not the
    search index's own tables, which are rebuilt from the catalog)."""
    url = settings.effective_database_url
    current, live = _schema(url, managed)
    cfg = alembic_config(url)
    script = ScriptDirectory.from_config(cfg)
    try:
        steps = list(script.iterate_revisions(current, revision, select_for_downgrade=True))
    except (CommandError, AlembicRevisionError) as exc:  # what the downgrade would refuse
        raise RevisionError(_revision_problem(cfg, revision, CommandError(str(exc)))) from None
    if not steps:
        return []
    down = steps[-1].down_revision
    kept: dict[str, set[str]] = {}
    if isinstance(down, str):
        with tempfile.TemporaryDirectory(prefix="mercato-downgrade-") as scratch:
            scratch_url = f"sqlite+aiosqlite:///{Path(scratch) / 'target.db'}"
            command.upgrade(alembic_config(scratch_url), down)
            kept = _schema(scratch_url, managed)[1]
    places: list[tuple[str, str | None]] = []
    for name, columns in sorted(live.items()):
        if name not in kept:
            places.append((name, None))
        else:
            places.extend((name, col) for col in sorted(columns - kept[name]))
    losses = [
        Loss(name, col, rows)
        for (name, col), rows in zip(places, _count(url, places), strict=True)
        if rows
    ]
    return sorted(losses, key=lambda loss: (-loss.rows, loss.table, loss.column or ""))


def revision_before(settings: Settings, revision: str) -> str:
    """The revision `revision` follows ("base" for the first)."""
    script = ScriptDirectory.from_config(alembic_config(settings.effective_database_url))
    down = script.get_revision(revision).down_revision
    return down if isinstance(down, str) else "base"


def check(settings: Settings) -> None:
    """Raise if the models and the migrations disagree (`alembic check`); silent otherwise (the
    CLI says so in its own words)."""
    cfg = alembic_config(settings.effective_database_url)
    cfg.stdout = io.StringIO()  # not Alembic's "No new upgrade operations detected." first
    command.check(cfg)
