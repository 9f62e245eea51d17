"""`platform.db.insert_new`: new rows as plain INSERTs, without the ORM's unit of work. Every
column is written (Python-side defaults filled in, and readable on the object afterwards), a run
of same-table objects is one statement (on PostgreSQL, every table's rows are), a row the database
refuses writes none of the others, what is pending in the session waits for the commit's
flush, and the objects stay out of the session. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, inspect, select
from sqlalchemy.exc import IntegrityError

from mercato.bootstrap import Container
from mercato.orders.models import Order, OrderEvent, OrderLine
from mercato.platform.clock import utcnow
from mercato.platform.db import Base, insert_new, insert_new_unless_taken
from mercato.platform.ids import new_id
from mercato.platform.outbox import OutboxEvent, record_event


def _order(**extra: Any) -> Order:
    now = utcnow()
    return Order(
        id=new_id(),
        number=f"T-{new_id().hex[:8]}",
        email="ada@example.com",
        currency="EUR",
        subtotal=1000,
        total=1000,
        shipping_address={"country": "DE"},
        billing_address={"country": "DE"},
        shipping_method={"code": "standard"},
        created_at=now,
        updated_at=now,
        **extra,
    )


def _line(order: Order, position: int) -> OrderLine:
    return OrderLine(
        id=new_id(),
        order_id=order.id,
        position=position,
        sku=f"SKU-{position}",
        product_title="Mug",
        quantity=1,
        unit_price=500,
        subtotal=500,
        total=500,
    )


async def test_every_column_is_written_and_defaults_are_filled_in(container: Container) -> None:
    order = _order()
    history = OrderEvent(order_id=order.id, kind="status", to_status="pending_payment")
    async with container.db.session() as session:
        await insert_new(session, order, history)
        assert inspect(order).transient
        assert inspect(history).transient
    # the defaults the database got are the ones the objects show
    assert (order.status, order.discount_total, order.customer_id) == ("pending_payment", 0, None)
    assert history.id is not None
    assert history.created_at is not None
    assert (history.actor, history.data) == ("system", {})
    async with container.db.session(write=False) as session:
        stored = await session.get(Order, order.id)
        event_row = await session.get(OrderEvent, history.id)
    assert stored is not None
    assert event_row is not None
    assert (stored.status, stored.number, stored.shipping_method) == (
        "pending_payment",
        order.number,
        {"code": "standard"},
    )
    assert (event_row.actor, event_row.data, event_row.created_at) == (
        "system",
        {},
        history.created_at,
    )


async def test_a_run_of_one_table_is_one_statement_and_pending_rows_wait(
    container: Container,
) -> None:
    """SQLite: one INSERT per table; PostgreSQL: every table's rows in one statement."""
    order = _order()
    lines = [_line(order, i) for i in range(3)]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split("(")[0].strip())

    engine = container.db.write_engine.sync_engine
    async with container.db.session() as session:
        pending = record_event(session, "Tested", {"n": 1})
        event.listen(engine, "before_cursor_execute", seen)
        try:
            await insert_new(session, order, *lines)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert inspect(pending).pending  # not flushed by the INSERTs
    if container.db.dialect == "postgresql":
        assert len(statements) == 1
        assert statements[0].startswith("WITH insert_0 AS")
    else:
        assert statements == ["INSERT INTO shop_order", "INSERT INTO order_line"]
    async with container.db.session(write=False) as session:
        skus = list(
            await session.scalars(
                select(OrderLine.sku)
                .where(OrderLine.order_id == order.id)
                .order_by(OrderLine.position)
            )
        )
        committed = await session.get(OutboxEvent, pending.id)
    assert skus == ["SKU-0", "SKU-1", "SKU-2"]
    assert committed is not None  # the commit's flush wrote it


async def test_nothing_is_written_when_the_unit_of_work_rolls_back(container: Container) -> None:
    order = _order()

    class Boom(Exception):
        pass

    try:
        async with container.db.session() as session:
            await insert_new(session, order, _line(order, 0))
            raise Boom
    except Boom:
        pass
    async with container.db.session(write=False) as session:
        assert await session.get(Order, order.id) is None


async def test_a_row_the_database_refuses_writes_none_of_the_others(container: Container) -> None:
    """A line that breaks a constraint: the whole call fails (on PostgreSQL one statement), and
    neither the order nor its other lines are written."""
    taken = _order()
    async with container.db.session() as session:
        await insert_new(session, taken, _line(taken, 0))
    order = _order()
    clash = _line(order, 1)
    async with container.db.session(write=False) as session:
        existing = await session.scalar(select(OrderLine.id).where(OrderLine.order_id == taken.id))
    clash.id = existing  # the primary key of a line already written

    with pytest.raises(IntegrityError):
        async with container.db.session() as session:
            await insert_new(session, order, _line(order, 0), clash)
    async with container.db.session(write=False) as session:
        assert await session.get(Order, order.id) is None
        assert (
            await session.scalar(
                select(func.count()).select_from(OrderLine).where(OrderLine.order_id == order.id)
            )
            == 0
        )


async def test_insert_unless_taken_writes_once_and_leaves_the_transaction_usable(
    container: Container,
) -> None:
    number = f"T-{new_id().hex[:8]}"
    first, second = _order(), _order()
    first.number = second.number = number  # `number` is unique
    async with container.db.session() as session:
        assert await insert_new_unless_taken(session, first, unique="number") is True
        assert await insert_new_unless_taken(session, second, unique="number") is False
        await insert_new(session, _line(first, 1))  # the transaction goes on after the conflict
    async with container.db.session() as session:
        ids = (await session.scalars(select(Order.id).where(Order.number == number))).all()
        lines = (
            await session.scalars(select(OrderLine.sku).where(OrderLine.order_id == first.id))
        ).all()
    assert (ids, lines) == ([first.id], ["SKU-1"])


async def test_what_goes_with_a_row_is_written_only_with_it(container: Container) -> None:
    """`then`: made once the row's defaults are filled in, written only if the row was (on
    PostgreSQL in the same statement)."""
    number = f"T-{new_id().hex[:8]}"
    first, second = _order(), _order()
    first.number = second.number = number
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    def history(order: Order) -> list[Base]:
        assert order.status == "pending_payment"  # its defaults are filled in first
        return [
            OrderEvent(id=new_id(), order_id=order.id, kind="status", to_status=order.status),
            _line(order, 0),
        ]

    engine = container.db.write_engine.sync_engine
    async with container.db.session() as session:
        event.listen(engine, "before_cursor_execute", seen)
        try:
            written = await insert_new_unless_taken(
                session, first, unique="number", then=lambda: history(first)
            )
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        taken = await insert_new_unless_taken(
            session, second, unique="number", then=lambda: history(second)
        )
    assert (written, taken) == (True, False)
    assert len(statements) == (1 if container.db.dialect == "postgresql" else 3)
    async with container.db.session(write=False) as session:
        kinds = (
            await session.scalars(
                select(OrderEvent.to_status).where(OrderEvent.order_id.in_([first.id, second.id]))
            )
        ).all()
        lines = (
            await session.scalars(
                select(OrderLine.order_id).where(OrderLine.order_id.in_([first.id, second.id]))
            )
        ).all()
    assert (kinds, lines) == (["pending_payment"], [first.id])
