"""Inventory invariants: stock never negative, never sold twice, all-or-nothing reservations."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from mercato.bootstrap import Container
from mercato.inventory import service as inventory
from mercato.inventory.models import StockMovement
from mercato.platform.errors import DomainError, ValidationFailed
from mercato.platform.outbox import record_event


async def _stock(container: Container, sku: str, on_hand: int) -> None:
    async with container.db.session() as session:
        await inventory.set_on_hand(session, sku, on_hand, reason="test", actor="tests")


async def _available(container: Container, *skus: str) -> dict[str, int]:
    async with container.db.session(write=False) as session:
        return await inventory.available(session, skus)


async def test_concurrent_reservations_never_oversell(container: Container) -> None:
    await _stock(container, "TEE-M", 10)

    async def attempt(n: int) -> bool:
        try:
            async with container.db.session() as session:
                await inventory.reserve(session, {"TEE-M": 1}, reference=f"order-{n}")
            return True
        except inventory.InsufficientStock:
            return False

    results = await asyncio.gather(*(attempt(n) for n in range(100)))
    assert sum(results) == 10
    assert await _available(container, "TEE-M") == {"TEE-M": 0}
    async with container.db.session(write=False) as session:
        levels = await inventory.stock_levels(session, ["TEE-M"])
        reserves = (
            await session.scalars(select(StockMovement).where(StockMovement.kind == "reserve"))
        ).all()
    assert levels["TEE-M"].reserved == 10
    assert levels["TEE-M"].on_hand == 10
    assert len(reserves) == 10


async def test_multi_sku_reservation_is_all_or_nothing(container: Container) -> None:
    await _stock(container, "A", 5)
    await _stock(container, "B", 1)
    with pytest.raises(inventory.InsufficientStock) as caught:
        async with container.db.session() as session:
            await inventory.reserve(session, {"A": 2, "B": 2}, reference="o1")
    assert caught.value.code == "insufficient_stock"
    assert caught.value.extra == {"sku": "B", "requested": 2, "available": 1}
    assert await _available(container, "A", "B") == {"A": 5, "B": 1}


async def test_concurrent_crossed_multi_sku_reservations(container: Container) -> None:
    """Opposite orders of the same SKUs must neither deadlock nor oversell."""
    await _stock(container, "X", 20)
    await _stock(container, "Y", 20)

    async def attempt(items: dict[str, int]) -> bool:
        try:
            async with container.db.session() as session:
                await inventory.reserve(session, items, reference="r")
            return True
        except inventory.InsufficientStock:
            return False

    jobs = [attempt({"X": 3, "Y": 1}) if n % 2 else attempt({"Y": 3, "X": 1}) for n in range(20)]
    results = await asyncio.gather(*jobs)
    stock = await _available(container, "X", "Y")
    assert stock["X"] >= 0
    assert stock["Y"] >= 0
    assert sum(results) >= 5  # at least 20 units of each can be handed out in these shapes
    taken_x = sum(3 if n % 2 else 1 for n, ok in enumerate(results) if ok)
    taken_y = sum(1 if n % 2 else 3 for n, ok in enumerate(results) if ok)
    assert stock == {"X": 20 - taken_x, "Y": 20 - taken_y}


async def test_unknown_sku_and_bad_quantities(container: Container) -> None:
    async with container.db.session() as session:
        with pytest.raises(inventory.InsufficientStock) as caught:
            await inventory.reserve(session, {"NOPE": 1}, reference="x")
    assert caught.value.extra["available"] == 0
    for bad in (0, -1, True, 2.5):
        async with container.db.session() as session:
            with pytest.raises(ValidationFailed):
                await inventory.reserve(session, {"NOPE": bad}, reference="x")  # type: ignore[dict-item]


async def test_release_and_commit(container: Container) -> None:
    await _stock(container, "S", 5)
    async with container.db.session() as session:
        await inventory.reserve(session, {"S": 3}, reference="o")
    async with container.db.session() as session:
        await inventory.release(session, {"S": 1}, reference="o")
    async with container.db.session() as session:
        await inventory.commit(session, {"S": 2}, reference="o")
    async with container.db.session(write=False) as session:
        level = (await inventory.stock_levels(session, ["S"]))["S"]
    assert (level.on_hand, level.reserved, level.available) == (3, 0, 3)
    # Committing what is not reserved is refused; releasing too much stops at zero.
    async with container.db.session() as session:
        with pytest.raises(inventory.StockNotReserved):
            await inventory.commit(session, {"S": 1}, reference="o")
    async with container.db.session() as session:
        await inventory.reserve(session, {"S": 1}, reference="p")
        await inventory.release(session, {"S": 5}, reference="p")
    assert await _available(container, "S") == {"S": 3}
    async with container.db.session(write=False) as session:
        ledger, next_cursor = await inventory.movements(session, "S")
    assert next_cursor is None
    kinds = sorted(m.kind for m in ledger)
    assert kinds == ["adjust", "commit", "release", "release", "reserve", "reserve"]


async def test_adjust_never_below_reserved(container: Container) -> None:
    await _stock(container, "Q", 4)
    async with container.db.session() as session:
        await inventory.reserve(session, {"Q": 3}, reference="o")
    async with container.db.session() as session:
        with pytest.raises(inventory.StockBelowReserved):
            await inventory.adjust(session, "Q", -2, reason="damaged", actor="staff")
    async with container.db.session() as session:
        level = await inventory.adjust(session, "Q", -1, reason="damaged", actor="staff")
    assert (level.on_hand, level.reserved, level.available) == (3, 3, 0)
    async with container.db.session() as session:
        with pytest.raises(DomainError):
            await inventory.adjust(session, "Q", 1, reason=" ", actor="staff")


async def test_check_constraints_back_the_invariant(container: Container) -> None:
    """Even a buggy raw UPDATE cannot drive stock negative or reserve more than on hand."""
    await _stock(container, "C", 2)
    for statement in (
        "UPDATE stock_level SET on_hand = -1 WHERE sku = 'C'",
        "UPDATE stock_level SET reserved = 3 WHERE sku = 'C'",
        "UPDATE stock_level SET reserved = -1 WHERE sku = 'C'",
    ):
        with pytest.raises(IntegrityError):
            async with container.db.session() as session:
                await session.execute(text(statement))
    assert await _available(container, "C") == {"C": 2}


async def test_the_stock_gates_reread_sees_what_a_session_sees(container: Container) -> None:
    await _stock(container, "TEE-M", 7)
    async with container.db.session() as session:
        await inventory.reserve(session, {"TEE-M": 3}, reference="order-1")
    assert await inventory.read_available(container.db, ["TEE-M", "NO-SUCH"]) == {
        "TEE-M": 4,
        "NO-SUCH": 0,
    }
    assert await _available(container, "TEE-M", "NO-SUCH") == {"TEE-M": 4, "NO-SUCH": 0}
    assert await inventory.read_available(container.db, []) == {}


async def _outbox(container: Container) -> list[tuple[str, str, str]]:
    """Every outbox row: its id, type and payload as the database holds its text."""
    async with container.db.session(write=False) as session:
        rows = await session.execute(
            text(
                "SELECT id, event_type, CAST(payload AS TEXT) FROM outbox_event ORDER BY created_at"
            )
        )
        return [(str(row[0]).replace("-", ""), row[1], row[2]) for row in rows]


async def test_a_reservation_writes_its_ledger_rows_and_the_transactions_events(
    container: Container, db_backend: str
) -> None:
    """The ledger rows, the events recorded before it and each move's `StockChanged` (only at
    or below the ceiling) are written with the reservation; on PostgreSQL in the last SKU's
    UPDATE (one statement for a one-SKU reservation), the event's payload computed there with
    the text `json.dumps` writes. The rows are the same on both databases."""
    sku = 'TÉE-"1"'  # escaped in JSON as json.dumps escapes it
    await _stock(container, sku, 7)
    await _stock(container, "PLENTY", 500)  # above the ceiling: moves without an event
    await _stock(container, "ZED", 101)  # leaves 100: at the ceiling, an event
    before = await _outbox(container)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    engine = container.db.write_engine.sync_engine
    async with container.db.session() as session:
        record_event(session, "Tested", {"n": 1})
        event.listen(engine, "before_cursor_execute", record)
        try:
            left = await inventory.reserve(session, {sku: 3}, reference="o1", actor="tests")
        finally:
            event.remove(engine, "before_cursor_execute", record)
        published = list(session.info["outbox_after_commit"])
    assert left == {sku: 4}
    if db_backend == "postgresql":
        assert len(statements) == 1, statements
        assert statements[0].startswith("WITH level AS (UPDATE stock_level SET")
    async with container.db.session() as session:
        left = await inventory.reserve(session, {"PLENTY": 2, "ZED": 1}, reference="o2")
        published += session.info["outbox_after_commit"]
    assert left == {"PLENTY": 498, "ZED": 100}

    written = [row for row in await _outbox(container) if row not in before]
    assert [(kind, json.loads(payload)) for _, kind, payload in written] == [
        ("Tested", {"n": 1}),
        ("StockChanged", {"sku": sku, "available_before": 7, "available_after": 4}),
        ("StockChanged", {"sku": "ZED", "available_before": 101, "available_after": 100}),
    ]
    for _, _, payload in written:  # the text SQLAlchemy's JSON type writes
        assert payload == json.dumps(json.loads(payload))
    assert sorted(id_ for id_, _, _ in written) == sorted(id_.hex for id_ in published)
    async with container.db.session(write=False) as session:
        ledger = (
            await session.execute(
                select(
                    StockMovement.sku,
                    StockMovement.kind,
                    StockMovement.delta_on_hand,
                    StockMovement.delta_reserved,
                    StockMovement.reference,
                    StockMovement.actor,
                ).where(StockMovement.kind == "reserve")
            )
        ).all()
    assert sorted(map(tuple, ledger)) == [
        ("PLENTY", "reserve", 0, 2, "o2", None),
        ('TÉE-"1"', "reserve", 0, 3, "o1", "tests"),
        ("ZED", "reserve", 0, 1, "o2", None),
    ]


async def test_a_refused_reservation_writes_nothing_and_leaves_the_events_pending(
    container: Container,
) -> None:
    await _stock(container, "A", 5)
    await _stock(container, "B", 1)
    before = await _outbox(container)
    async with container.db.session() as session:
        pending = record_event(session, "Tested", {"n": 2})
        with session.no_autoflush, pytest.raises(inventory.InsufficientStock) as caught:
            await inventory.reserve(session, {"A": 2, "B": 2}, reference="o1")
        assert caught.value.extra == {"sku": "B", "requested": 2, "available": 1}
        assert pending in session.new  # still the caller's to write or roll back
        await session.rollback()
    assert await _outbox(container) == before
    async with container.db.session(write=False) as session:
        assert not (
            await session.scalars(select(StockMovement.id).where(StockMovement.reference == "o1"))
        ).all()
