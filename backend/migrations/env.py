"""Alembic environment: async engine, batch mode on SQLite, type comparison on."""

from __future__ import annotations

import asyncio
import warnings
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from mercato.models import UNMANAGED_INDEXES, is_managed_table, metadata
from mercato.platform.config import Settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or Settings().effective_database_url


def _include_name(name: str | None, type_: str, _parent: object) -> bool:
    if name is None:
        return True
    if type_ == "table":
        return is_managed_table(name)
    if type_ == "index":
        return name not in UNMANAGED_INDEXES
    return True


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        include_name=_include_name,
        on_version_apply=config.attributes.get("on_version_apply"),
    )


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


# SQLite cannot reflect an index on an expression (ux_catalog_variant_sku_lower, on lower(sku)):
# SQLAlchemy and Alembic say they skip it, on every `alembic check`. PostgreSQL compares it.
_SQLITE_EXPRESSION_INDEX = (
    r"(Skipped unsupported reflection of|autogenerate skipping metadata-specified) "
    r"expression-based index"
)


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction(), warnings.catch_warnings():
        if connection.dialect.name == "sqlite":
            warnings.filterwarnings("ignore", message=_SQLITE_EXPRESSION_INDEX)
        context.run_migrations()


async def run_online() -> None:
    url = _url()
    connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_online())
