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


NEWEST_FIRST_INDEXES = {  # migration 0012: (table, index, its columns)
    ("discount_code", "ix_discount_code_created", ("created_at", "id")),
    ("catalog_collection", "ix_catalog_collection_created", ("created_at", "id")),
    (
        "discount_redemption",
        "ix_discount_redemption_code_created",
        ("discount_code_id", "created_at", "id"),
    ),
}


def _indexes(url: str, tables: set[str]) -> set[tuple[str, str, tuple[str, ...]]]:
    engine = create_engine(_sync_url(url))
    try:
        inspector = inspect(engine)
        return {
            (table, str(index["name"]), tuple(str(c) for c in index["column_names"]))
            for table in tables
            for index in inspector.get_indexes(table)
        }
    finally:
        engine.dispose()


def test_0012_indexes_the_newest_first_lists_both_ways(empty_db_url: str, tmp_path: Path) -> None:
    settings = make_settings(empty_db_url, tmp_path)
    tables = {table for table, _, _ in NEWEST_FIRST_INDEXES}
    old = ("discount_redemption", "ix_discount_redemption_discount_code_id", ("discount_code_id",))
    migrate.upgrade(settings, "0011")
    before = _indexes(empty_db_url, tables)
    assert old in before
    assert not before & NEWEST_FIRST_INDEXES
    migrate.upgrade(settings)
    after = _indexes(empty_db_url, tables)
    assert after >= NEWEST_FIRST_INDEXES
    assert old not in after  # the new index's prefix
    migrate.check(settings)  # the models say the same
    migrate.downgrade(settings, "0011")
    assert _indexes(empty_db_url, tables) == before


NEWEST_FIRST_PAGES = [  # (table, filter, time) of each list `pagination.newest_first` pages
    ("discount_code", "", "created_at"),
    ("catalog_collection", "", "created_at"),
    ("discount_redemption", "WHERE discount_code_id = 'x'", "created_at"),
    ("shop_order", "", "created_at"),
    ("shop_order", "WHERE customer_id = 'x'", "created_at"),
    ("shipment", "", "created_at"),
    ("user_account", "WHERE deleted_at IS NULL", "created_at"),
    ("stock_movement", "WHERE sku = 'x'", "created_at"),
    ("task_dead_letter", "WHERE replayed_at IS NULL", "failed_at"),
]


@pytest.mark.parametrize(
    ("table", "where", "time"),
    NEWEST_FIRST_PAGES,
    ids=[" ".join(p[:2]) for p in NEWEST_FIRST_PAGES],
)
def test_no_newest_first_list_sorts_its_whole_table(
    table: str, where: str, time: str, tmp_path: Path
) -> None:
    """SQLite's plan reads each list's order from an index: at most the ties of one time are
    sorted (`RIGHT PART OF ORDER BY`), never every row for every page."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'plan.db'}"
    migrate.upgrade(make_settings(url, tmp_path))
    engine = create_engine(_sync_url(url))
    try:
        with engine.connect() as conn:
            query = f"SELECT * FROM {table} {where} ORDER BY {time} DESC, id DESC LIMIT 51"
            plan = [row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {query}"))]
    finally:
        engine.dispose()
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    assert any("USING INDEX" in step for step in plan), plan
