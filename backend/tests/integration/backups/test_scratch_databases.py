"""A verification killed mid-way (a `kill -9`, an OOM-killed worker) leaves its PostgreSQL
scratch database, a full copy of the shop: the next verification drops it, never the scratch
database of one still running, nor another shop's."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from mercato.backups.databases import (
    SCRATCH_LOCK_CLASS,
    SCRATCH_PREFIX,
    PostgresDatabase,
    open_database,
)


def _conninfo(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    return parsed.set(
        drivername="postgresql", database=database or parsed.database
    ).render_as_string(hide_password=False)


def _scratches(admin: psycopg.Connection) -> set[str]:
    rows = admin.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (SCRATCH_PREFIX,)
    )
    return {row[0] for row in rows}


def test_only_abandoned_scratch_databases_of_this_shop_are_dropped(
    pg_database_url: str, tmp_path: Path
) -> None:
    shop = open_database(pg_database_url)
    assert isinstance(shop, PostgresDatabase)
    prefix = shop._scratch_prefix()
    abandoned, running = f"{prefix}{uuid.uuid4().hex[:12]}", f"{prefix}{uuid.uuid4().hex[:12]}"
    other_shop = f"{SCRATCH_PREFIX}00000000_{uuid.uuid4().hex[:12]}"
    with (
        psycopg.connect(_conninfo(pg_database_url), autocommit=True) as admin,
        psycopg.connect(_conninfo(pg_database_url), autocommit=True) as live,
    ):
        try:
            for name in (abandoned, running, other_shop):
                admin.execute(f'CREATE DATABASE "{name}"')
            # the running verification holds the lock on its name, in the shop's database
            live.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (SCRATCH_LOCK_CLASS, running))
            with shop.scratch(tmp_path) as scratch:  # drops the abandoned one first
                assert isinstance(scratch, PostgresDatabase)
                mine = str(scratch.url.database)
                assert mine.startswith(prefix)
                assert _scratches(admin) >= {mine, running, other_shop}
                assert abandoned not in _scratches(admin)
                assert shop.drop_abandoned_scratches(admin) == []  # its own is locked too
            assert mine not in _scratches(admin)
            assert {running, other_shop} <= _scratches(admin)
        finally:
            for name in (abandoned, running, other_shop):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
