"""Fixtures for the backup tests: seeded shops with a stamped schema, a second database, moto."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato.bootstrap import run_job
from mercato.demo import catalog as demo
from mercato.platform.config import Settings
from mercato.platform.migrate import alembic_config
from tests.conftest import _create_schema, _sync_url, make_settings, make_sqlite_url

KEY = "0d7c4b9e2f6a1c8e5b3d7f9a2c4e6b8d"


def stamp(db_url: str) -> None:
    """Record the current schema revision (the tests' schema is built without Alembic)."""
    command.stamp(alembic_config(db_url), "heads")


def backup_settings(db_url: str, tmp_path: Path, **backup: Any) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        backup={"encryption_key": KEY, "dir": tmp_path / "backups", **backup},
    )


async def seed_shop(settings: Settings, products: int = 12) -> None:
    async def job(container: Any) -> None:
        await demo.seed(container, products=products, seed_value=7)

    await run_job(settings, job)


def run_sql(db_url: str, sql: str, **params: Any) -> list[Any]:
    """Run one statement in its own transaction; the rows it returns (if any)."""
    engine = create_engine(_sync_url(db_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return list(result.fetchall()) if result.returns_rows else []
    finally:
        engine.dispose()


@pytest.fixture
def shop_url(db_url: str) -> str:
    """The test database with the schema stamped at the current revision."""
    stamp(db_url)
    return db_url


@pytest.fixture
def other_db_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database with the current schema, of the same kind."""
    if db_backend == "sqlite":
        directory = tmp_path / "other"
        directory.mkdir()
        url = make_sqlite_url(directory)
        stamp(url)
        yield url
        return
    from tests.conftest import service_url

    base = make_url(service_url("postgres"))
    name = f"mercato_b_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        _sync_url(base.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False
    )
    try:
        _create_schema(url)
        stamp(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 server, speaking the real S3 wire protocol on a loopback port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(moto_endpoint: str) -> str:
    name = f"backups-{uuid.uuid4().hex[:8]}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    return name
