"""The payment ledger is append-only in the database itself (a trigger on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from mercato.bootstrap import Container
from mercato.payments.models import PaymentTransaction
from tests.integration.payments.conftest import ledger, place_order


async def test_ledger_rows_cannot_be_updated_or_deleted(container: Container) -> None:
    placed = await place_order(container, amount=1234)
    [row] = await ledger(container, placed.order_id)

    attempts = [
        update(PaymentTransaction).where(PaymentTransaction.id == row.id).values(amount=1),
        delete(PaymentTransaction).where(PaymentTransaction.id == row.id),
        text("UPDATE payment_transaction SET status = 'tampered'"),
        text("DELETE FROM payment_transaction"),
    ]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"):
            async with container.db.session() as session:
                await session.execute(statement)

    [after] = await ledger(container, placed.order_id)
    assert (after.amount, after.status) == (1234, row.status)
    # Appending still works.
    async with container.db.session() as session:
        session.add(
            PaymentTransaction(
                payment_id=row.payment_id,
                order_id=row.order_id,
                provider="sandbox",
                kind="webhook",
                reference=row.reference,
                amount=0,
                currency="EUR",
                status="test",
            )
        )
    assert len(await ledger(container, placed.order_id)) == 2
