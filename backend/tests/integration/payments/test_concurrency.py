"""Races on the money path: webhooks against cancellation and refunds (no deadlock, no 5xx, one
effect), double-clicked confirmations, concurrent re-deliveries."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx

from mercato.bootstrap import Container
from mercato.orders import service as orders
from mercato.payments import service as payments
from mercato.payments.providers.sandbox import SandboxGateway, check_card
from mercato.platform.errors import Conflict
from tests.integration.payments.conftest import (
    TEST_CARD_OK,
    kinds,
    ledger,
    order_status,
    payment_row,
    place_order,
)
from tests.integration.payments.test_sandbox import card, confirm_url


async def _pay_at_the_sandbox_without_delivery(
    container: Container, intent_id: str, secret: str
) -> None:
    """The shopper's confirmation committed; its webhook is not delivered yet."""
    gateway = container.payment_gateways.gateways["sandbox"]
    assert isinstance(gateway, SandboxGateway)
    good = check_card(TEST_CARD_OK, 12, 2099, "123", today=date.today())
    async with container.db.session() as session:
        await gateway.confirm(session, intent_id, client_secret=secret, card=good)


async def _outcome(coro: Any) -> str:
    try:
        await coro
        return "ok"
    except Conflict as exc:
        return exc.code


async def test_webhook_racing_a_cancellation_never_deadlocks(container: Container) -> None:
    for _ in range(10):
        placed = await place_order(container)
        assert placed.start.client_secret
        await _pay_at_the_sandbox_without_delivery(
            container, placed.start.intent_id, placed.start.client_secret
        )

        async def cancel(order_id: Any = placed.order_id) -> None:
            async with container.db.session() as session:
                await orders.cancel_order(
                    session, container, order_id, actor="customer", reason="changed_mind"
                )

        results = await asyncio.gather(
            _outcome(cancel()),
            _outcome(payments.deliver_sandbox_events(container, intent_id=placed.start.intent_id)),
            _outcome(cancel()),
        )

        # Whichever wins, the money is not lost: the paid order stays paid, the cancel is refused.
        assert results[0] in ("payment_in_progress", "invalid_transition"), results
        assert results[2] in ("payment_in_progress", "invalid_transition"), results
        await payments.deliver_sandbox_events(container)
        assert await order_status(container, placed.order_id) == "paid"
        assert len(kinds(await ledger(container, placed.order_id), "capture")) == 1


async def test_refund_racing_a_refund_webhook(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container, amount=900)
    await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))

    async def refund(amount: int) -> None:
        async with container.db.session() as session:
            await orders.refund_order(
                session, container, placed.order_id, amount=amount, reason=None, actor="staff"
            )

    results = await asyncio.gather(
        _outcome(refund(400)),
        _outcome(payments.deliver_sandbox_events(container)),
        _outcome(refund(400)),
        _outcome(payments.deliver_sandbox_events(container)),
    )
    assert results == ["ok"] * 4
    await payments.deliver_sandbox_events(container)
    payment = await payment_row(container, placed.order_id)
    assert payment.amount_refunded == 800
    assert len(kinds(await ledger(container, placed.order_id), "refund")) == 2
    assert await order_status(container, placed.order_id) == "partially_refunded"


async def test_double_clicked_confirmation_charges_once(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container)

    responses = await asyncio.gather(
        *(client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed)) for _ in range(3))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409], [r.text for r in responses]
    assert len(kinds(await ledger(container, placed.order_id), "capture")) == 1
    assert await order_status(container, placed.order_id) == "paid"


async def test_concurrent_redeliveries_have_one_effect(container: Container) -> None:
    placed = await place_order(container)
    assert placed.start.client_secret
    await _pay_at_the_sandbox_without_delivery(
        container, placed.start.intent_id, placed.start.client_secret
    )

    await asyncio.gather(*(payments.deliver_sandbox_events(container) for _ in range(4)))

    rows = await ledger(container, placed.order_id)
    assert len(kinds(rows, "capture")) == 1
    assert len(kinds(rows, "authorization")) == 1
    assert await order_status(container, placed.order_id) == "paid"
