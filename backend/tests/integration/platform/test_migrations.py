"""Alembic migrations: upgrade from empty, no drift against the models, reversible."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from mercato.models import is_managed_table, metadata
from mercato.platform import migrate
from tests.conftest import _sync_url, make_settings, service_url


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    base = make_url(service_url("postgres"))
    name = f"mercato_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        _sync_url(base.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(_sync_url(url))
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        return {name for name in names if is_managed_table(name)}
    finally:
        engine.dispose()


def test_upgrade_from_empty_matches_models_and_downgrades(
    empty_db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(empty_db_url, tmp_path)
    migrate.upgrade(settings)
    assert _tables(empty_db_url) == set(metadata.tables)
    migrate.check(settings)  # raises on drift between models and migrations
    migrate.downgrade(settings, "base")
    assert _tables(empty_db_url) == set()
    migrate.upgrade(settings)
    assert _tables(empty_db_url) == set(metadata.tables)


def test_single_migration_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, (
        f"several heads, add a merge revision: {script.get_heads()}"
    )


def test_order_numbers_continue_across_0007_both_ways(empty_db_url: str, tmp_path: Path) -> None:
    """A shop with orders keeps counting where it was when the sequence (PostgreSQL) comes in,
    and the counter row takes the sequence's position back on downgrade."""
    settings = make_settings(empty_db_url, tmp_path)
    migrate.upgrade(settings, "0006")
    engine = create_engine(_sync_url(empty_db_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO order_number_counter (name, value) VALUES ('order', 12345)")
            )
        migrate.upgrade(settings)
        postgres = engine.dialect.name == "postgresql"
        with engine.begin() as conn:
            if postgres:
                assert conn.execute(text("SELECT nextval('order_number_seq')")).scalar() == 12346
                assert conn.execute(text("SELECT nextval('order_number_seq')")).scalar() == 12347
        migrate.downgrade(settings, "0006")
        with engine.begin() as conn:
            value = conn.execute(text("SELECT value FROM order_number_counter")).scalar()
        assert value == (12347 if postgres else 12345)
    finally:
        engine.dispose()


def test_0011_skus_differing_only_by_case_stop_it_then_cannot_coexist(
    empty_db_url: str, tmp_path: Path
) -> None:
    """A catalog with `MUG-1` and `mug-1` stops the upgrade, naming them, with nothing changed;
    once one is gone the unique index on lower(sku) refuses another spelling of it."""
    settings = make_settings(empty_db_url, tmp_path)
    migrate.upgrade(settings, "0010")
    product, variant = metadata.tables["catalog_product"], metadata.tables["catalog_variant"]
    product_id, now = uuid.uuid4(), datetime.now(UTC)

    def add_variant(conn: Connection, sku: str) -> None:
        conn.execute(
            variant.insert().values(
                id=uuid.uuid4(), product_id=product_id, sku=sku, price=100, created_at=now
            )
        )

    engine = create_engine(_sync_url(empty_db_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                product.insert().values(
                    id=product_id, title="Mug", slug="mug", search_text="mug", created_at=now
                )
            )
            for sku in ("MUG-1", "mug-1", "CUP-1"):
                add_variant(conn, sku)
        with pytest.raises(migrate.RevisionError, match=r"differ only by case .*: MUG-1, mug-1$"):
            migrate.upgrade(settings)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0010"
        with engine.begin() as conn:
            conn.execute(variant.delete().where(variant.c.sku == "mug-1"))
        migrate.upgrade(settings)
        with pytest.raises(IntegrityError), engine.begin() as conn:
            add_variant(conn, "Mug-1")
        migrate.downgrade(settings, "0010")
        with engine.begin() as conn:
            add_variant(conn, "Mug-1")  # the old rule: case made another SKU
    finally:
        engine.dispose()


def test_downgrade_losses_name_the_tables_and_columns_with_data_it_would_drop(
    empty_db_url: str, tmp_path: Path
) -> None:
    """What `mercato db downgrade` asks about: dropped tables holding rows and dropped columns
    holding values, largest first; empty ones, indexes and unknown targets aside."""
    settings = make_settings(empty_db_url, tmp_path)
    migrate.upgrade(settings)
    code, redemption = metadata.tables["discount_code"], metadata.tables["discount_redemption"]
    now, code_id = datetime.now(UTC), uuid.uuid4()
    engine = create_engine(_sync_url(empty_db_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                code.insert().values(id=code_id, code="SPRING", kind="fixed", created_at=now)
            )
            for n, email in enumerate(["ann@example.com", None, "bob@example.com"]):
                conn.execute(
                    redemption.insert().values(
                        id=uuid.uuid4(),
                        discount_code_id=code_id,
                        order_id=uuid.uuid4(),
                        customer_key=f"email:{n}",
                        customer_email=email,
                        created_at=now,
                    )
                )
    finally:
        engine.dispose()

    def losses(revision: str) -> list[migrate.Loss]:
        return migrate.downgrade_losses(settings, revision, is_managed_table)

    assert losses("-1") == []  # an index
    assert losses("0009") == [migrate.Loss("discount_redemption", "customer_email", 2)]
    assert [str(loss) for loss in losses("base")] == [
        "discount_redemption (3 rows)",
        "discount_code (1 row)",
    ]
    with pytest.raises(migrate.RevisionError, match=r"^no revision 'nope'"):
        losses("nope")
    migrate.downgrade(settings, "0009")
    assert losses("0008") == []  # no product, so no card
