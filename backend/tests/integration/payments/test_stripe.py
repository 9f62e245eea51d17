"""The Stripe adapter against a fake Stripe API on loopback (the official SDK, real HTTP), and the
webhook path: duplicates, concurrency, every ordering of events, races with checkout, outages."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import structlog
from prometheus_client import REGISTRY
from sqlalchemy import select, text, update

from mercato.bootstrap import Container, build_container
from mercato.inventory import service as inventory
from mercato.notifications.handlers import build_email
from mercato.orders import service as orders
from mercato.orders.models import Order
from mercato.payments import service as payments
from mercato.payments.exceptions import PaymentProviderUnavailable
from mercato.payments.models import Payment, PaymentEvent, PaymentTransaction
from mercato.platform.clock import utcnow
from mercato.platform.errors import Conflict
from mercato.platform.outbox import OutboxEvent
from mercato.worker.events import Event
from tests.fakes.stripe_server import FakeStripe
from tests.integration.payments.conftest import (
    available,
    count_rows,
    draft,
    kinds,
    ledger,
    order_status,
    payment_row,
    place_order,
    send_stripe_event,
    stripe_settings,
)


def webhook_count(provider: str, outcome: str) -> float:
    labels = {"provider": provider, "outcome": outcome}
    return REGISTRY.get_sample_value("mercato_payment_webhooks_total", labels) or 0.0


async def test_create_intent_sends_stripe_wire_format(
    stripe_container: Container, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container, amount=2599, idempotency_key="checkout-key-1")

    assert placed.start.provider == "stripe"
    assert placed.start.intent_id.startswith("pi_")
    assert placed.start.status == "requires_payment_method"
    assert (
        placed.start.client_secret == fake_stripe.intents[placed.start.intent_id]["client_secret"]
    )
    [create] = fake_stripe.calls("POST", "/v1/payment_intents")
    assert create.params == {
        "amount": "2599",
        "currency": "eur",
        "capture_method": "automatic",
        "automatic_payment_methods[enabled]": "true",
        "metadata[order_id]": str(placed.order_id),
    }
    assert create.headers["idempotency-key"].startswith("mercato:checkout:")
    assert "checkout-key-1" not in create.headers["idempotency-key"]  # derived, not raw input
    payment = await payment_row(stripe_container, placed.order_id)
    assert (payment.provider, payment.intent_id, payment.status) == (
        "stripe",
        placed.start.intent_id,
        "requires_payment_method",
    )


async def test_automatic_capture_via_webhook_then_refunds(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container, amount=5000)
    fake_stripe.confirm(placed.start.intent_id)  # the shopper pays in the Payment Element

    response = await send_stripe_event(
        stripe_client, fake_stripe.event("payment_intent.succeeded", placed.start.intent_id)
    )

    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "processed"
    assert await order_status(stripe_container, placed.order_id) == "paid"
    payment = await payment_row(stripe_container, placed.order_id)
    assert (payment.amount_captured, payment.status) == (5000, "succeeded")
    [capture] = kinds(await ledger(stripe_container, placed.order_id), "capture")
    assert capture.reference.startswith("ch_")

    async with stripe_container.db.session() as session:
        await payments.refund_order_payment(
            session,
            stripe_container,
            order_id=placed.order_id,
            amount=1500,
            reason="damaged in transit",
        )
    async with stripe_container.db.session() as session:
        await payments.refund_order_payment(
            session, stripe_container, order_id=placed.order_id, amount=None, reason=None
        )
    refunds = fake_stripe.calls("POST", "/v1/refunds")
    assert [r.params["amount"] for r in refunds] == ["1500", "3500"]
    assert refunds[0].params["metadata[reason]"] == "damaged in transit"
    assert await order_status(stripe_container, placed.order_id) == "refunded"
    # Stripe's charge.refunded webhook afterwards: the refunds are already in the ledger.
    late = await send_stripe_event(
        stripe_client, fake_stripe.event("charge.refunded", placed.start.intent_id)
    )
    assert late.status_code == 200
    assert len(kinds(await ledger(stripe_container, placed.order_id), "refund")) == 2
    # Every mutating call carried an idempotency key, each distinct.
    posts = [r for r in fake_stripe.requests if r.method == "POST"]
    keys = [r.headers.get("idempotency-key") for r in posts]
    assert all(keys)
    assert len(set(keys)) == len(keys)


async def test_manual_capture_and_void(
    db_url: str, tmp_path: Path, fake_stripe: FakeStripe
) -> None:
    settings = stripe_settings(db_url, tmp_path, fake_stripe.url, stripe_capture_method="manual")
    container = build_container(settings)
    try:
        paid = await place_order(container, amount=1200)
        voided = await place_order(container, amount=800)
        [create, _] = fake_stripe.calls("POST", "/v1/payment_intents")
        assert create.params["capture_method"] == "manual"
        fake_stripe.confirm(paid.start.intent_id)  # authorised only
        await payments.handle_webhook(
            container,
            "stripe",
            body := fake_stripe.event(
                "payment_intent.amount_capturable_updated", paid.start.intent_id
            ),
            {"Stripe-Signature": FakeStripe.sign(body)},
        )
        assert await order_status(container, paid.order_id) == "paid"
        assert (await payment_row(container, paid.order_id)).status == "requires_capture"

        async with container.db.session() as session:
            await payments.capture_order_payment(session, container, order_id=paid.order_id)
        [capture] = fake_stripe.calls("POST", f"/v1/payment_intents/{paid.start.intent_id}/capture")
        assert capture.headers["idempotency-key"]
        payment = await payment_row(container, paid.order_id)
        assert (payment.status, payment.amount_captured) == ("succeeded", 1200)

        async with container.db.session() as session:
            await payments.cancel_order_payment(session, container, order_id=voided.order_id)
        [cancel] = fake_stripe.calls("POST", f"/v1/payment_intents/{voided.start.intent_id}/cancel")
        assert cancel.headers["idempotency-key"]
        assert fake_stripe.intents[voided.start.intent_id]["status"] == "canceled"
        assert (await payment_row(container, voided.order_id)).status == "canceled"
    finally:
        await container.aclose()


async def test_cancel_refuses_when_the_payment_went_through(
    stripe_container: Container, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container)
    fake_stripe.confirm(placed.start.intent_id)  # paid at Stripe, webhook not here yet

    with pytest.raises(Conflict) as excinfo:
        async with stripe_container.db.session() as session:
            await payments.cancel_order_payment(session, stripe_container, order_id=placed.order_id)

    assert excinfo.value.code == "payment_in_progress"
    assert (
        await payment_row(stripe_container, placed.order_id)
    ).status == "requires_payment_method"


async def test_decline_keeps_the_order_and_the_same_intent_pays_once(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container)
    intent_id = placed.start.intent_id
    fake_stripe.confirm(intent_id, "declined")
    failed_event = fake_stripe.event("payment_intent.payment_failed", intent_id)

    response = await send_stripe_event(stripe_client, failed_event)

    assert response.status_code == 200
    assert await order_status(stripe_container, placed.order_id) == "pending_payment"
    assert await available(stripe_container, placed.sku) == 4  # still reserved
    assert fake_stripe.intents[intent_id]["status"] == "requires_payment_method"  # not voided
    assert fake_stripe.calls("POST", f"/v1/payment_intents/{intent_id}/cancel") == []
    [failure] = kinds(await ledger(stripe_container, placed.order_id), "failure")
    assert failure.status == "generic_decline"  # the decline code, not `card_declined`
    assert (await send_stripe_event(stripe_client, failed_event)).json()["outcome"] == "duplicate"

    fake_stripe.confirm(intent_id)  # the shopper tries again with another card
    succeeded = fake_stripe.event("payment_intent.succeeded", intent_id)
    assert (await send_stripe_event(stripe_client, succeeded)).json()["outcome"] == "processed"
    # A replayed success and a late copy of the failure change nothing.
    assert (await send_stripe_event(stripe_client, succeeded)).json()["outcome"] == "duplicate"
    late = fake_stripe.event("payment_intent.payment_failed", intent_id)
    assert (await send_stripe_event(stripe_client, late)).json()["outcome"] == "processed"

    assert await order_status(stripe_container, placed.order_id) == "paid"
    assert await available(stripe_container, placed.sku) == 4
    rows = await ledger(stripe_container, placed.order_id)
    assert [len(kinds(rows, k)) for k in ("failure", "authorization", "capture")] == [1, 1, 1]


@pytest.mark.parametrize(
    ("outcome", "decline_code", "reason", "sentence"),
    [
        # `code: card_declined` with the issuer's reason in `decline_code`: the reason is recorded
        (
            "declined",
            "insufficient_funds",
            "insufficient_funds",
            "The card has insufficient funds.",
        ),
        ("declined", "lost_card", "lost_card", "Your card was declined."),  # no more, on purpose
        ("declined", "try_again_later", "try_again_later", "please try again later"),
        ("declined", "expired_card", "expired_card", "The card has expired."),
        # no `decline_code` (3-D Secure failed): the error's `code`
        (
            "authentication_failed",
            "generic_decline",
            "payment_intent_authentication_failure",
            "additional verification that was not completed",
        ),
    ],
)
async def test_a_decline_records_the_issuers_reason_and_says_it_in_words(
    stripe_container: Container,
    stripe_client: httpx.AsyncClient,
    fake_stripe: FakeStripe,
    outcome: str,
    decline_code: str,
    reason: str,
    sentence: str,
) -> None:
    placed = await place_order(stripe_container)
    intent_id = placed.start.intent_id
    fake_stripe.confirm(intent_id, outcome, decline_code=decline_code)
    assert fake_stripe.intents[intent_id]["last_payment_error"].get("decline_code") == (
        decline_code if outcome == "declined" else None
    )

    event = fake_stripe.event("payment_intent.payment_failed", intent_id)
    assert (await send_stripe_event(stripe_client, event)).json()["outcome"] == "processed"

    [failure] = kinds(await ledger(stripe_container, placed.order_id), "failure")
    assert failure.status == reason
    token = orders.order_token(stripe_container.settings, placed.order_id)
    seen = await stripe_client.get(f"/api/v1/orders/{placed.order_id}", params={"token": token})
    payment = seen.json()["payment"]
    assert payment["last_error_code"] == reason
    assert sentence in payment["failure_message"]  # what the order page shows
    async with stripe_container.db.session(write=False) as session:
        [recorded] = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "PaymentFailed")
        )
    assert recorded.payload["reason"] == reason
    email = build_email(
        stripe_container,
        Event(recorded.id, recorded.event_type, recorded.payload, recorded.created_at),
    )
    assert email is not None
    for part in (email.text, email.html.replace("&#39;", "'")):
        assert sentence in part
        assert reason not in part


async def test_a_new_intent_for_the_same_order_voids_the_old_one(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container, amount=1700)
    old = placed.start.intent_id
    fake_stripe.confirm(old, "declined")
    await send_stripe_event(stripe_client, fake_stripe.event("payment_intent.payment_failed", old))
    token = orders.order_token(stripe_container.settings, placed.order_id)
    url = f"/api/v1/orders/{placed.order_id}/payment"

    response = await stripe_client.post(url, params={"token": token})

    assert response.status_code == 200, response.text
    body = response.json()
    new = body["payment"]["intent_id"]
    assert new != old
    assert body["status"] == "pending_payment"
    assert body["payment"]["provider"] == "stripe"
    assert body["payment"]["status"] == "requires_payment_method"
    assert body["payment"]["client_secret"] == fake_stripe.intents[new]["client_secret"]
    assert fake_stripe.intents[new]["amount"] == 1700
    assert fake_stripe.intents[new]["metadata"] == {"order_id": str(placed.order_id)}
    assert fake_stripe.intents[old]["status"] == "canceled"  # one live intent per order
    [cancel] = fake_stripe.calls("POST", f"/v1/payment_intents/{old}/cancel")
    assert cancel.headers["idempotency-key"] == f"mercato:cancel:{old}"
    with pytest.raises(ValueError, match="canceled"):
        fake_stripe.confirm(old)  # Stripe refuses to take money on the voided intent
    seen = await stripe_client.get(f"/api/v1/orders/{placed.order_id}", params={"token": token})
    assert seen.json()["payment"]["intent_id"] == new
    assert seen.json()["payment"]["last_error_code"] is None  # a fresh attempt
    assert seen.json()["payment"]["failed_attempts"] == 1

    # The old intent's late event still finds the order (and re-reads the current intent).
    voided = fake_stripe.event("payment_intent.canceled", old)
    assert (await send_stripe_event(stripe_client, voided)).json()["outcome"] == "processed"
    assert await order_status(stripe_container, placed.order_id) == "pending_payment"

    fake_stripe.confirm(new)
    await send_stripe_event(stripe_client, fake_stripe.event("payment_intent.succeeded", new))
    assert await order_status(stripe_container, placed.order_id) == "paid"
    rows = await ledger(stripe_container, placed.order_id)
    assert [len(kinds(rows, k)) for k in ("intent_created", "void", "failure", "capture")] == [
        2,
        1,
        1,
        1,
    ]
    again = await stripe_client.post(url, params={"token": token})  # paid: nothing to renew
    assert again.status_code == 409
    assert again.json()["code"] == "order_not_payable"


async def test_a_processing_payment_is_not_replaced(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container)
    fake_stripe.confirm(placed.start.intent_id, "processing")
    token = orders.order_token(stripe_container.settings, placed.order_id)

    response = await stripe_client.post(
        f"/api/v1/orders/{placed.order_id}/payment", params={"token": token}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "payment_in_progress"
    creates = fake_stripe.calls("POST", "/v1/payment_intents")
    assert [c.path for c in creates if c.path == "/v1/payment_intents"] == [
        "/v1/payment_intents"
    ]  # no second intent
    payment = await payment_row(stripe_container, placed.order_id)
    assert payment.intent_id == placed.start.intent_id
    assert await order_status(stripe_container, placed.order_id) == "pending_payment"


@pytest.mark.parametrize("mode", ["api_error", "connection_dropped", "connection_refused"])
async def test_provider_down_means_503_and_nothing_written(
    db_url: str, tmp_path: Path, fake_stripe: FakeStripe, mode: str
) -> None:
    api_base = fake_stripe.url
    if mode == "connection_refused":
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            api_base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    fake_stripe.fail_with_api_error = mode == "api_error"
    fake_stripe.drop_connections = mode == "connection_dropped"
    container = build_container(stripe_settings(db_url, tmp_path, api_base))
    try:
        sku = "SKU-DOWN"
        async with container.db.session() as session:
            await inventory.set_on_hand(session, sku, 3, reason="test", actor="tests")
        order_id = uuid.uuid4()

        async def checkout_transaction() -> None:
            async with container.db.session() as session:
                await inventory.reserve(session, {sku: 1}, reference=f"order:{order_id}")
                await orders.create_order(session, container.settings, draft(order_id, sku, 900))
                await payments.start_payment(
                    session,
                    container,
                    order_id=order_id,
                    amount=900,
                    currency="EUR",
                    email="a@example.com",
                    idempotency_key="k",
                )

        with pytest.raises(PaymentProviderUnavailable) as excinfo:
            await checkout_transaction()
        assert excinfo.value.status == 503
        assert excinfo.value.code == "payment_provider_unavailable"
        assert int(excinfo.value.headers["Retry-After"]) >= 1
        assert await available(container, sku) == 3  # the reservation rolled back
        assert await count_rows(container, Payment) == 0
        assert await count_rows(container, PaymentTransaction) == 0
        with pytest.raises(Exception, match="order"):
            await order_status(container, order_id)
    finally:
        await container.aclose()


async def test_same_event_five_times_two_at_once_has_one_effect(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container)
    fake_stripe.confirm(placed.start.intent_id)
    body = fake_stripe.event("payment_intent.succeeded", placed.start.intent_id)
    before = {o: webhook_count("stripe", o) for o in ("processed", "duplicate")}

    first_two = await asyncio.gather(*(send_stripe_event(stripe_client, body) for _ in range(2)))
    rest = [await send_stripe_event(stripe_client, body) for _ in range(3)]

    responses = [*first_two, *rest]
    assert [r.status_code for r in responses] == [200] * 5
    outcomes = sorted(r.json()["outcome"] for r in responses)
    assert outcomes == ["duplicate"] * 4 + ["processed"]
    rows = await ledger(stripe_container, placed.order_id)
    assert len(kinds(rows, "capture")) == 1
    assert len(kinds(rows, "webhook")) == 1
    assert await count_rows(stripe_container, PaymentEvent) == 1
    assert await order_status(stripe_container, placed.order_id) == "paid"
    assert webhook_count("stripe", "processed") == before["processed"] + 1
    assert webhook_count("stripe", "duplicate") == before["duplicate"] + 4
    metrics = await stripe_client.get("/metrics")
    assert 'mercato_payment_webhooks_total{outcome="duplicate",provider="stripe"}' in metrics.text


async def test_every_ordering_of_events_converges(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    """created/processing/succeeded/refunded, delivered late in all 24 orders → refunded."""
    for ordering in itertools.permutations(range(4)):
        placed = await place_order(stripe_container, amount=1000)
        intent_id = placed.start.intent_id
        bodies = [fake_stripe.event("payment_intent.created", intent_id)]
        fake_stripe.confirm(intent_id, "processing")
        bodies.append(fake_stripe.event("payment_intent.processing", intent_id))
        fake_stripe.confirm(intent_id, "succeeded")
        bodies.append(fake_stripe.event("payment_intent.succeeded", intent_id))
        fake_stripe.refund_directly(intent_id, 1000)  # refunded from Stripe's dashboard
        bodies.append(fake_stripe.event("charge.refunded", intent_id))

        for index in ordering:
            response = await send_stripe_event(stripe_client, bodies[index])
            assert response.status_code == 200, (ordering, response.text)

        assert await order_status(stripe_container, placed.order_id) == "refunded", ordering
        rows = await ledger(stripe_container, placed.order_id)
        assert [len(kinds(rows, k)) for k in ("capture", "refund", "failure")] == [1, 1, 0]
        payment = await payment_row(stripe_container, placed.order_id)
        assert (payment.amount_captured, payment.amount_refunded) == (1000, 1000), ordering


async def test_events_in_any_order_before_refund_end_paid(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    for ordering in itertools.permutations(range(3)):
        placed = await place_order(stripe_container, amount=700)
        intent_id = placed.start.intent_id
        bodies = [fake_stripe.event("payment_intent.created", intent_id)]
        fake_stripe.confirm(intent_id, "processing")
        bodies.append(fake_stripe.event("payment_intent.processing", intent_id))
        fake_stripe.confirm(intent_id, "succeeded")
        bodies.append(fake_stripe.event("payment_intent.succeeded", intent_id))
        for index in ordering:
            await send_stripe_event(stripe_client, bodies[index])
        assert await order_status(stripe_container, placed.order_id) == "paid", ordering
        assert len(kinds(await ledger(stripe_container, placed.order_id), "capture")) == 1


@pytest.mark.parametrize("when", ["before_commit", "after_commit", "before_and_after_commit"])
async def test_webhook_racing_checkout_completion(
    stripe_container: Container,
    stripe_client: httpx.AsyncClient,
    fake_stripe: FakeStripe,
    when: str,
) -> None:
    """The provider's success webhook arrives while checkout is still committing (or after):
    exactly one paid order and one capture, whatever the interleaving."""
    sku = f"SKU-{uuid.uuid4().hex[:6]}"
    async with stripe_container.db.session() as session:
        await inventory.set_on_hand(session, sku, 2, reason="test", actor="tests")
    order_id = uuid.uuid4()
    racing: list[asyncio.Task[httpx.Response]] = []
    async with stripe_container.db.session() as session:
        await inventory.reserve(session, {sku: 1}, reference=f"order:{order_id}")
        await orders.create_order(session, stripe_container.settings, draft(order_id, sku, 990))
        start = await payments.start_payment(
            session,
            stripe_container,
            order_id=order_id,
            amount=990,
            currency="EUR",
            email="a@example.com",
            idempotency_key="race",
        )
        fake_stripe.confirm(start.intent_id)  # a very fast shopper
        body = fake_stripe.event("payment_intent.succeeded", start.intent_id)
        if when != "after_commit":
            # Delivered concurrently with the still-open checkout transaction.
            racing.append(asyncio.create_task(send_stripe_event(stripe_client, body)))
            await asyncio.sleep(0.05)
    for task in racing:
        assert (await task).status_code == 200
    if when != "before_commit":
        assert (await send_stripe_event(stripe_client, body)).status_code == 200
    # A webhook that found no payment yet was kept as "unmatched"; reconciliation (or Stripe's
    # redelivery of the same event) converges it.
    stripe_container.settings.payments.reconcile_after_minutes = 0
    await payments.reconcile_pending_payments(stripe_container)
    assert (await send_stripe_event(stripe_client, body)).status_code == 200

    assert await order_status(stripe_container, order_id) == "paid"
    rows = await ledger(stripe_container, order_id)
    assert len(kinds(rows, "capture")) == 1
    assert len(fake_stripe.calls("POST", "/v1/payment_intents")) == 1
    async with stripe_container.db.session(write=False) as session:
        orders_count = len(list(await session.scalars(select(Payment))))
    assert orders_count == 1


async def test_unmatched_event_is_kept_and_redelivery_applies_it(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container)
    fake_stripe.confirm(placed.start.intent_id)
    body = fake_stripe.event("payment_intent.succeeded", placed.start.intent_id)
    async with stripe_container.db.session() as session:  # simulate "not committed yet"
        payment = await session.scalar(select(Payment).where(Payment.order_id == placed.order_id))
        assert payment is not None
        real_intent, payment.intent_id = payment.intent_id, "pi_not_yet_visible"

    first = await send_stripe_event(stripe_client, body)
    assert first.json()["outcome"] == "unmatched"
    assert await order_status(stripe_container, placed.order_id) == "pending_payment"

    async with stripe_container.db.session() as session:
        payment = await session.scalar(select(Payment).where(Payment.order_id == placed.order_id))
        assert payment is not None
        payment.intent_id = real_intent
    again = await send_stripe_event(stripe_client, body)  # Stripe retries the same event id
    assert again.json()["outcome"] == "processed"
    assert await order_status(stripe_container, placed.order_id) == "paid"


async def test_reconciliation_recovers_missed_webhooks(
    stripe_container: Container, fake_stripe: FakeStripe
) -> None:
    paid = await place_order(stripe_container)
    failed = await place_order(stripe_container)
    waiting = await place_order(stripe_container)
    fake_stripe.confirm(paid.start.intent_id)
    fake_stripe.confirm(failed.start.intent_id, "declined")

    stripe_container.settings.payments.reconcile_after_minutes = 60
    assert await payments.reconcile_pending_payments(stripe_container) == 0  # too recent
    assert await order_status(stripe_container, paid.order_id) == "pending_payment"

    stripe_container.settings.payments.reconcile_after_minutes = 0
    assert await payments.reconcile_pending_payments(stripe_container) == 2
    assert await order_status(stripe_container, paid.order_id) == "paid"
    # A missed failure is recorded once; the order waits for another attempt.
    assert await order_status(stripe_container, failed.order_id) == "pending_payment"
    assert await order_status(stripe_container, waiting.order_id) == "pending_payment"
    assert await payments.reconcile_pending_payments(stripe_container) == 0  # idempotent
    assert len(kinds(await ledger(stripe_container, failed.order_id), "failure")) == 1


async def test_reconciliation_survives_an_outage(
    stripe_container: Container, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container)
    fake_stripe.confirm(placed.start.intent_id)
    stripe_container.settings.payments.reconcile_after_minutes = 0
    fake_stripe.fail_with_api_error = True

    assert await payments.reconcile_pending_payments(stripe_container) == 0
    assert await order_status(stripe_container, placed.order_id) == "pending_payment"

    fake_stripe.fail_with_api_error = False
    assert await payments.reconcile_pending_payments(stripe_container) == 1
    assert await order_status(stripe_container, placed.order_id) == "paid"


async def test_webhook_during_outage_is_503_and_retried(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container)
    fake_stripe.confirm(placed.start.intent_id)
    body = fake_stripe.event("payment_intent.succeeded", placed.start.intent_id)
    fake_stripe.fail_with_api_error = True

    response = await send_stripe_event(stripe_client, body)

    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert await count_rows(stripe_container, PaymentEvent) == 0  # rolled back: retry works
    fake_stripe.fail_with_api_error = False
    assert (await send_stripe_event(stripe_client, body)).json()["outcome"] == "processed"
    assert await order_status(stripe_container, placed.order_id) == "paid"


async def test_a_payment_settling_after_expiry_is_refunded_not_accepted(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container, amount=1800, stock=1)
    intent_id = placed.start.intent_id
    async with stripe_container.db.session() as session:
        await session.execute(
            update(Order)
            .where(Order.id == placed.order_id)
            .values(created_at=utcnow() - timedelta(days=1))
        )
    assert await orders.expire_unpaid_orders(stripe_container) == 1  # voided, stock released
    assert fake_stripe.intents[intent_id]["status"] == "canceled"
    assert await available(stripe_container, placed.sku) == 1
    # Stripe settles a confirmation that raced our void (the provider has the last word).
    fake_stripe.intents[intent_id].update(
        status="succeeded", amount_received=1800, latest_charge="ch_raced"
    )
    body = fake_stripe.event("payment_intent.succeeded", intent_id)

    for _ in range(2):  # the replay is a no-op
        assert (await send_stripe_event(stripe_client, body)).status_code == 200

    assert await order_status(stripe_container, placed.order_id) == "cancelled"  # not resurrected
    assert await available(stripe_container, placed.sku) == 1  # the stock stays released
    [refund] = fake_stripe.calls("POST", "/v1/refunds")
    assert refund.params["amount"] == "1800"
    payment = await payment_row(stripe_container, placed.order_id)
    assert (payment.amount_captured, payment.amount_refunded) == (1800, 1800)
    rows = await ledger(stripe_container, placed.order_id)
    assert [len(kinds(rows, k)) for k in ("capture", "refund")] == [1, 1]
    async with stripe_container.db.session(write=False) as session:
        order = await orders.get_order(session, placed.order_id)
        assert (order.amount_paid, order.amount_refunded) == (1800, 1800)


async def test_client_secret_never_logged_even_at_debug(
    stripe_container: Container,
    stripe_client: httpx.AsyncClient,
    fake_stripe: FakeStripe,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("stripe").setLevel(logging.DEBUG)  # as a careless operator might
    with structlog.testing.capture_logs() as captured:
        container = build_container(stripe_container.settings)  # the gateway resets it
        try:
            placed = await place_order(container)
            fake_stripe.confirm(placed.start.intent_id)
            await send_stripe_event(
                stripe_client, fake_stripe.event("payment_intent.succeeded", placed.start.intent_id)
            )
        finally:
            await container.aclose()
    secret = placed.start.client_secret
    assert secret
    assert "Stripe API response" in caplog.text  # the SDK did log, at INFO
    logged = caplog.text + repr(captured) + capsys.readouterr().out
    assert secret not in logged
    assert secret.split("_secret_")[1] not in logged
    async with stripe_container.db.session(write=False) as session:
        dump = ""
        for table in ("payment", "payment_transaction", "payment_event"):
            dump += repr((await session.execute(text(f"SELECT * FROM {table}"))).all())
    assert secret.split("_secret_")[1] not in dump
