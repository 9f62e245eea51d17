"""Shared fixtures.

Every DB-touching test uses `db_url`, which is parametrised over SQLite (always) and PostgreSQL
(when MERCATO_TEST_DATABASE_URL is set). Redis and RabbitMQ tests ask for `redis_url` /
`amqp_url`. With CI=true a missing service fails the test instead of skipping it.

Isolation: SQLite gets a fresh file per test; PostgreSQL gets one throw-away database per test
session (so parallel runs never collide) whose tables are truncated before every test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from mercato.models import create_extra_ddl, is_managed_table, metadata
from mercato.platform.config import Settings
from mercato.platform.http import reset_breakers
from tests.fakes.smtp import smtp_server  # noqa: F401  (real SMTP server fixture)

CI = os.environ.get("CI", "").lower() == "true"
SERVICES = {
    "postgres": "MERCATO_TEST_DATABASE_URL",
    "redis": "MERCATO_TEST_REDIS_URL",
    "amqp": "MERCATO_TEST_AMQP_URL",
}
_skipped_services: set[str] = set()


def service_url(name: str) -> str:
    """The URL of a real service for this test, or skip (fail on CI) when it is not configured."""
    var = SERVICES[name]
    url = os.environ.get(var, "")
    if not url:
        if CI:
            pytest.fail(f"{var} is not set but CI=true: the {name} suite must run")
        _skipped_services.add(name)
        pytest.skip(f"{name} suite skipped: set {var}")
    return url


def pytest_terminal_summary(terminalreporter: Any) -> None:
    ran = [name for name, var in SERVICES.items() if os.environ.get(var)]
    terminalreporter.section("real services")
    for name in ran:
        terminalreporter.write_line(f"{name}: suites EXECUTED against {os.environ[SERVICES[name]]}")
    # Under pytest-xdist the skips happen in the workers: read them back from the skip reports.
    skipped = set(_skipped_services)
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        skipped.update(name for name in SERVICES if f"{name} suite skipped" in reason)
    for name in sorted(skipped):
        terminalreporter.write_line(f"{name}: suites SKIPPED ({SERVICES[name]} not set)")


@pytest.fixture(autouse=True)
def _fresh_circuit_breakers() -> Iterator[None]:
    """Breakers are per provider and per process: no test inherits another's open circuit."""
    reset_breakers()
    yield
    reset_breakers()


# --------------------------------------------------------------------------- databases


def _sync_url(async_url: str) -> str:
    url = make_url(async_url)
    driver = "postgresql+psycopg" if url.get_backend_name() == "postgresql" else "sqlite"
    return url.set(drivername=driver).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, with the full schema."""
    base = make_url(service_url("postgres"))
    name = f"mercato_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        _sync_url(base.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False
    )
    _create_schema(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _create_schema(url: str) -> None:
    engine = create_engine(_sync_url(url))
    with engine.begin() as conn:
        metadata.create_all(conn)
        create_extra_ddl(conn)
    engine.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(_sync_url(url))
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if is_managed_table(t.name))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # Tests that stamp a schema revision (backups) must not leak it into the next test.
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


_sqlite_template: Path | None = None


def make_sqlite_url(directory: Path) -> str:
    """A SQLite file with the full schema: a copy of a template built once per test session."""
    global _sqlite_template
    if _sqlite_template is None or not _sqlite_template.exists():
        template_dir = Path(tempfile.mkdtemp(prefix="mercato-schema-"))
        _sqlite_template = template_dir / "template.db"
        _create_schema(f"sqlite+aiosqlite:///{_sqlite_template}")
    path = directory / "mercato.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database with the current schema, on each backend."""
    if request.param == "sqlite":
        return make_sqlite_url(tmp_path)
    url: str = request.getfixturevalue("pg_database_url")
    _truncate_all(url)
    return url


@pytest.fixture
def db_backend(db_url: str) -> str:
    return make_url(db_url).get_backend_name()


# --------------------------------------------------------------------------- services


@pytest.fixture
def redis_url() -> str:
    return service_url("redis")


@pytest.fixture
def amqp_url() -> str:
    return service_url("amqp")


# --------------------------------------------------------------------------- the app


def make_settings(db_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": tmp_path / "var",
        "database_url": db_url,
        "redis_url": None,
        "broker_url": f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        "cache_namespace": f"t{uuid.uuid4().hex[:8]}",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    container = build_container(settings)
    try:
        yield container
    finally:
        await container.aclose()


@pytest.fixture
def app(settings: Settings, container: Container) -> Any:
    return create_app(settings, container)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
