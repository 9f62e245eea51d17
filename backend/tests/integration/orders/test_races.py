"""Payment outcomes racing expiry and each other converge: one sale, stock committed once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from mercato.bootstrap import Container
from mercato.checkout.models import IdempotencyKey
from mercato.orders import service as orders
from mercato.orders.models import Order
from mercato.payments import service as payments
from mercato.payments.models import PaymentTransaction
from mercato.platform.clock import utcnow
from mercato.platform.outbox import OutboxEvent
from tests.factories import create_product
from tests.integration.checkout.helpers import (
    API,
    SUCCESS_CARD,
    checkout,
    expect,
    get_order,
    ready_cart,
    stock,
)


async def _succeed(container: Container, order_id: uuid.UUID, amount: int) -> None:
    async with container.db.session() as session:
        await orders.apply_payment_succeeded(
            session, order_id=order_id, amount=amount, provider="sandbox", reference="pi_race"
        )


async def _fail(container: Container, order_id: uuid.UUID) -> None:
    async with container.db.session() as session:
        await orders.apply_payment_failed(session, order_id=order_id, reason="card_declined")


async def test_expiry_racing_a_successful_payment_ends_in_one_consistent_state(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The TTL passes while the shopper confirms: either the confirmation wins (paid, one sale)
    or the expiry's void does (cancelled, the confirmation refused). Never both, never money
    taken for a cancelled order."""
    await create_product(container, price=1000, stock=3, skus=["RACE-1"])
    placed = expect(await checkout(client, await ready_cart(client, {"RACE-1": 2})), 201)
    order_id = uuid.UUID(placed["id"])
    async with container.db.session() as session:
        await session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(created_at=utcnow() - timedelta(days=1))
        )
    intent = placed["payment"]
    confirm = client.post(
        f"{API}/payments/sandbox/intents/{intent['intent_id']}/confirm",
        json={
            "client_secret": intent["client_secret"],
            "card_number": SUCCESS_CARD,
            "exp_month": 12,
            "exp_year": 2099,
            "cvc": "123",
        },
    )
    expired, confirmed = await asyncio.gather(orders.expire_unpaid_orders(container), confirm)
    await payments.deliver_sandbox_events(container)

    order = await get_order(client, placed)
    async with container.db.session(write=False) as session:
        captures = await session.scalar(
            select(func.count(PaymentTransaction.id)).where(
                PaymentTransaction.order_id == order_id, PaymentTransaction.kind == "capture"
            )
        )
    if order["status"] == "paid":
        assert (confirmed.status_code, expired, captures) == (200, 0, 1)
        assert await stock(container, "RACE-1") == (1, 0)
    else:
        assert (order["status"], order["cancel_reason"]) == ("cancelled", "expired")
        assert (confirmed.status_code, expired, captures) == (409, 1, 0)
        assert await stock(container, "RACE-1") == (3, 0)


async def test_failure_and_success_racing_end_paid_with_one_sale(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=3, skus=["RACE-2"])
    placed = expect(await checkout(client, await ready_cart(client, {"RACE-2": 1})), 201)
    order_id = uuid.UUID(placed["id"])
    amount = placed["total"]["amount"]
    await asyncio.gather(
        _fail(container, order_id),
        _succeed(container, order_id, amount),
        _fail(container, order_id),
        _succeed(container, order_id, amount),
    )
    assert (await get_order(client, placed))["status"] == "paid"
    assert await stock(container, "RACE-2") == (2, 0)
    async with container.db.session(write=False) as session:
        succeeded = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.event_type == "PaymentSucceeded")
            )
        ).all()
    assert len(succeeded) == 1


async def test_the_stored_checkout_response_never_holds_the_client_secret_in_clear(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=3, skus=["SECRET-1"])
    placed = expect(await checkout(client, await ready_cart(client, {"SECRET-1": 1})), 201)
    secret = placed["payment"]["client_secret"]
    assert secret
    async with container.db.session(write=False) as session:
        stored = (await session.scalars(select(IdempotencyKey))).one().response_body
        events = (await session.scalars(select(OutboxEvent))).all()
    assert stored is not None
    assert secret not in str(stored)
    assert all(secret not in str(event.payload) for event in events)
