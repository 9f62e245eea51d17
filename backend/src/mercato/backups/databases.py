"""The two database kinds behind one small interface: dump, restore, row statistics.

SQLite: the online backup API (`sqlite3.Connection.backup`), consistent while the shop writes.
PostgreSQL: `pg_dump -Fc` inside an exported snapshot, so the dump and the row statistics see
the same instant; restore replays `pg_restore`'s script through `psql --single-transaction`
after dropping the schema, all in one transaction: it either fully succeeds or changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import structlog
from sqlalchemy.engine import URL, make_url

from mercato.backups.exceptions import BackupConfigError, DumpFailed

log = structlog.get_logger("mercato.backups")

DbKind = Literal["sqlite", "postgresql"]
FETCH_ROWS = 2000


@dataclass(frozen=True)
class TableStats:
    rows: int
    sha256: str


@dataclass(frozen=True)
class Snapshot:
    """What a dump contains: row counts and checksums, schema revisions."""

    tables: dict[str, TableStats]
    revisions: list[str]


def _skip_table(name: str) -> bool:
    from mercato.models import is_managed_table

    return name.startswith("sqlite_") or not is_managed_table(name)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot checksum a {type(value).__name__}")


def table_digest(rows: Iterable[Sequence[Any]]) -> TableStats:
    """Row count and SHA-256 over the rows, in the order given (primary-key order)."""
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        encoded = json.dumps(list(row), default=_json_default, sort_keys=True, ensure_ascii=True)
        digest.update(encoded.encode())
        digest.update(b"\n")
        count += 1
    return TableStats(count, digest.hexdigest())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Database(Protocol):
    kind: DbKind
    description: str

    def dump(self, target: Path) -> Snapshot:
        """Write a consistent dump to `target`; the statistics of exactly what it holds."""
        ...

    def restore(self, dump: Path) -> None:
        """Replace the database's content with the dump (all or nothing)."""
        ...

    def snapshot(self) -> Snapshot: ...

    def is_empty(self) -> bool:
        """True when no table holds a row (alembic's version table aside)."""
        ...

    def scratch(self, directory: Path) -> contextlib.AbstractContextManager[Database]:
        """A temporary empty database of the same kind, removed afterwards (SQLite: a file in
        `directory`, the verification's work directory, removed with it even if killed)."""
        ...


# --------------------------------------------------------------------------- SQLite


class SqliteDatabase:
    kind: DbKind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"SQLite {path}"

    def _connect(self, path: Path | None = None) -> sqlite3.Connection:
        conn = sqlite3.connect(path or self.path, timeout=30)
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    def dump(self, target: Path) -> Snapshot:
        if not self.path.exists():
            raise DumpFailed(f"{self.description} does not exist")
        target.unlink(missing_ok=True)
        try:
            with (
                contextlib.closing(self._connect()) as src,
                contextlib.closing(sqlite3.connect(target)) as dst,
            ):
                src.backup(dst)  # one step: a consistent copy, writers in WAL mode carry on
                dst.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
        except sqlite3.Error as exc:
            raise DumpFailed(f"SQLite backup failed: {exc}") from None
        return SqliteDatabase(target).snapshot()

    def restore(self, dump: Path) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with (
                contextlib.closing(sqlite3.connect(dump)) as src,
                contextlib.closing(self._connect()) as dst,
            ):
                src.backup(dst)  # replaces every page of the target under one write lock
        except sqlite3.Error as exc:
            raise DumpFailed(f"SQLite restore failed: {exc}") from None

    def _tables(self, conn: sqlite3.Connection) -> list[str]:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        return sorted(r[0] for r in rows if not _skip_table(r[0]))

    def _order_by(self, conn: sqlite3.Connection, table: str) -> str:
        info = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        pk = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5] > 0]
        columns = pk or [row[1] for row in info]
        return ", ".join(_quote(c) for c in columns)

    def snapshot(self) -> Snapshot:
        if not self.path.exists():
            return Snapshot({}, [])
        with contextlib.closing(self._connect()) as conn:
            conn.execute("BEGIN")  # one read transaction: one consistent view
            tables: dict[str, TableStats] = {}
            for table in self._tables(conn):
                cursor = conn.execute(
                    f"SELECT * FROM {_quote(table)} ORDER BY {self._order_by(conn, table)}"
                )
                tables[table] = table_digest(_batches(cursor))
            revisions = (
                sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
                if "alembic_version" in tables
                else []
            )
            conn.rollback()
        return Snapshot(tables, revisions)

    def is_empty(self) -> bool:
        if not self.path.exists():
            return True
        with contextlib.closing(self._connect()) as conn:
            for table in self._tables(conn):
                if (
                    table != "alembic_version"
                    and conn.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1").fetchone()
                ):
                    return False
        return True

    @contextlib.contextmanager
    def scratch(self, directory: Path) -> Iterator[Database]:
        path = directory / "scratch.db"
        try:
            yield SqliteDatabase(path)
        finally:
            path.unlink(missing_ok=True)


def _batches(cursor: Any) -> Iterator[Sequence[Any]]:
    while rows := cursor.fetchmany(FETCH_ROWS):
        yield from rows


# --------------------------------------------------------------------------- PostgreSQL


def _find_binary(name: str, bin_dir: Path | None) -> str:
    if bin_dir is not None:
        candidate = bin_dir / name
        if candidate.exists():
            return str(candidate)
        raise BackupConfigError(f"{name} not found in MERCATO_BACKUP__PG_BIN_DIR ({bin_dir})")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if versions:
        return versions[0]
    raise BackupConfigError(
        f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client) "
        "or set MERCATO_BACKUP__PG_BIN_DIR"
    )


def _major(version_text: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    match = re.search(r"\)\s*(\d+)", version_text)
    return int(match.group(1)) if match else 0


class PostgresDatabase:
    kind: DbKind = "postgresql"

    def __init__(self, url: URL, bin_dir: Path | None = None) -> None:
        self.url = url
        self.bin_dir = bin_dir
        self.description = f"PostgreSQL {url.host or 'localhost'}:{url.port or 5432}/{url.database}"

    # connection helpers
    def _params(self, database: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "host": self.url.host or "localhost",
            "port": self.url.port or 5432,
            "user": self.url.username,
            "dbname": database or self.url.database,
            "connect_timeout": 10,
        }
        if self.url.password:
            params["password"] = self.url.password
        return params

    def _connect(self, database: str | None = None, autocommit: bool = False) -> Any:
        import psycopg

        try:
            return psycopg.connect(**self._params(database), autocommit=autocommit)
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DumpFailed(f"cannot connect to {self.description}: {reason}") from None

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PGHOST=str(self.url.host or "localhost"),
            PGPORT=str(self.url.port or 5432),
            PGDATABASE=str(self.url.database),
            PGCONNECT_TIMEOUT="10",
        )
        if self.url.username:
            env["PGUSER"] = self.url.username
        if self.url.password:
            env["PGPASSWORD"] = self.url.password  # not on the command line (visible in ps)
        return env

    def _binary(self, name: str, server_major: int) -> str:
        path = _find_binary(name, self.bin_dir)
        version = subprocess.run(
            [path, "--version"], capture_output=True, text=True, check=False
        ).stdout
        if _major(version) < server_major:
            raise BackupConfigError(
                f"{path} is {version.strip()} but the server is PostgreSQL {server_major}: "
                f"install postgresql-client-{server_major} or set MERCATO_BACKUP__PG_BIN_DIR"
            )
        return path

    def _server_major(self, conn: Any) -> int:
        return int(conn.info.server_version) // 10000

    def _tables(self, conn: Any) -> list[str]:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        ).fetchall()
        return sorted(r[0] for r in rows if not _skip_table(r[0]))

    def _order_by(self, conn: Any, table: str) -> str:
        pk = conn.execute(
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)",
            (f"public.{_quote(table)}",),
        ).fetchall()
        columns = [r[0] for r in pk]
        if not columns:
            columns = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                    (table,),
                ).fetchall()
            ]
        return ", ".join(_quote(c) for c in columns)

    def _snapshot_in(self, conn: Any) -> Snapshot:
        tables: dict[str, TableStats] = {}
        for table in self._tables(conn):
            order = self._order_by(conn, table)
            with conn.cursor(name=f"checksum_{uuid.uuid4().hex[:8]}") as cursor:
                cursor.itersize = FETCH_ROWS
                cursor.execute(f"SELECT * FROM public.{_quote(table)} ORDER BY {order}")
                tables[table] = table_digest(cursor)
        revisions = (
            sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
            if "alembic_version" in tables
            else []
        )
        return Snapshot(tables, revisions)

    def dump(self, target: Path) -> Snapshot:
        import psycopg

        conn = self._connect()
        with conn:
            pg_dump = self._binary("pg_dump", self._server_major(conn))
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            (snapshot_id,) = conn.execute("SELECT pg_export_snapshot()").fetchone()
            # pg_dump reads the very snapshot our statistics read below, concurrently
            proc = subprocess.Popen(
                [
                    pg_dump,
                    "--format=custom",
                    "--compress=0",
                    f"--snapshot={snapshot_id}",
                    f"--file={target}",
                ],
                env=self._env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                snapshot = self._snapshot_in(conn)
            finally:
                _, stderr = proc.communicate()
                conn.rollback()
        if proc.returncode != 0:
            raise DumpFailed(f"pg_dump failed: {_last_line(stderr)}")
        return snapshot

    def restore(self, dump: Path) -> None:
        with self._connect() as conn:
            major = self._server_major(conn)
        pg_restore = self._binary("pg_restore", major)
        psql = self._binary("psql", major)
        with tempfile.TemporaryFile() as script_err, tempfile.TemporaryFile() as apply_err:
            script = subprocess.Popen(
                [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(dump)],
                env=self._env(),
                stdout=subprocess.PIPE,
                stderr=script_err,
            )
            apply = subprocess.Popen(
                [psql, "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                env=self._env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=apply_err,
            )
            assert script.stdout is not None
            assert apply.stdin is not None
            try:
                # one transaction: the old schema goes only if the whole dump goes in
                apply.stdin.write(
                    b"SET lock_timeout = '60s';\n"
                    b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
                )
                shutil.copyfileobj(script.stdout, apply.stdin, 1024 * 1024)
            except BrokenPipeError:
                script.kill()
            finally:
                with contextlib.suppress(BrokenPipeError):
                    apply.stdin.close()
                script.stdout.close()
            script.wait()
            apply.wait()
            if apply.returncode != 0:
                apply_err.seek(0)
                raise DumpFailed(f"restore failed, nothing changed: {_last_line(apply_err.read())}")
            if script.returncode != 0:
                script_err.seek(0)
                raise DumpFailed(f"pg_restore failed: {_last_line(script_err.read())}")

    def snapshot(self) -> Snapshot:
        import psycopg

        with self._connect() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            snapshot = self._snapshot_in(conn)
            conn.rollback()
        return snapshot

    def is_empty(self) -> bool:
        with self._connect() as conn:
            for table in self._tables(conn):
                if (
                    table != "alembic_version"
                    and conn.execute(f"SELECT 1 FROM public.{_quote(table)} LIMIT 1").fetchone()
                ):
                    return False
        return True

    @contextlib.contextmanager
    def scratch(self, directory: Path) -> Iterator[Database]:
        """A scratch database, its name locked (a session advisory lock, in this shop's
        database) for as long as it is used: one whose verification was killed is unlocked, and
        the next one drops it (a full copy of the shop otherwise left on the server)."""
        name = f"{self._scratch_prefix()}{uuid.uuid4().hex[:12]}"
        with self._connect(autocommit=True) as admin:
            self.drop_abandoned_scratches(admin)
            admin.execute(_SCRATCH_LOCK, (SCRATCH_LOCK_CLASS, name))  # before it exists
            try:
                admin.execute(f"CREATE DATABASE {_quote(name)}")
                yield PostgresDatabase(self.url.set(database=name), self.bin_dir)
            finally:
                admin.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
                admin.execute(_SCRATCH_UNLOCK, (SCRATCH_LOCK_CLASS, name))

    def _scratch_prefix(self) -> str:
        """`mercato_verify_<this shop's database, hashed>_`: another shop's scratch databases
        on the same server (whose locks live in its own database) are never touched."""
        owner = hashlib.sha256(str(self.url.database).encode()).hexdigest()[:8]
        return f"{SCRATCH_PREFIX}{owner}_"

    def drop_abandoned_scratches(self, admin: Any) -> list[str]:
        """Drop this shop's scratch databases whose verification died (their lock is free)."""
        names = [
            row[0]
            for row in admin.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
                (self._scratch_prefix(),),
            )
        ]
        dropped = []
        for name in names:
            if not admin.execute(_SCRATCH_TRY_LOCK, (SCRATCH_LOCK_CLASS, name)).fetchone()[0]:
                continue  # its verification is running
            try:
                admin.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
                dropped.append(name)
                log.warning("backup_scratch_database_abandoned_dropped", database=name)
            finally:
                admin.execute(_SCRATCH_UNLOCK, (SCRATCH_LOCK_CLASS, name))
        return dropped


SCRATCH_PREFIX = "mercato_verify_"
SCRATCH_LOCK_CLASS = 0x6D657263  # "merc": the advisory-lock key space of scratch databases
_SCRATCH_LOCK = "SELECT pg_advisory_lock(%s, hashtext(%s))"
_SCRATCH_TRY_LOCK = "SELECT pg_try_advisory_lock(%s, hashtext(%s))"
_SCRATCH_UNLOCK = "SELECT pg_advisory_unlock(%s, hashtext(%s))"


def _last_line(stderr: bytes | None) -> str:
    lines = [line for line in (stderr or b"").decode(errors="replace").splitlines() if line]
    return lines[-1] if lines else "no error output"


def open_database(database_url: str, bin_dir: Path | None = None) -> Database:
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupConfigError("an in-memory SQLite database cannot be backed up")
        return SqliteDatabase(Path(url.database))
    if backend == "postgresql":
        return PostgresDatabase(url, bin_dir)
    raise BackupConfigError(f"backups support SQLite and PostgreSQL, not {backend}")
