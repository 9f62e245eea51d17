"""The Stripe adapter against a fake Stripe API on loopback (the official SDK, real HTTP), and the
webhook path: duplicates, concurrency, every ordering of events, races with checkout, outages."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import uuid
from pathlib import Path

import httpx
import pytest
import structlog
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from mercato.bootstrap import Container, build_container
from mercato.errors import Conflict
from mercato.inventory import service as inventory
from mercato.orders import service as orders
from mercato.payments import service as payments
from mercato.payments.exceptions import PaymentProviderUnavailable
from mercato.payments.models import Payment, PaymentEvent, PaymentTransaction
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


async def test_decline_cancels_the_order_and_voids_the_intent(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container)
    fake_stripe.confirm(placed.start.intent_id, "declined")

    response = await send_stripe_event(
        stripe_client, fake_stripe.event("payment_intent.payment_failed", placed.start.intent_id)
    )

    assert response.status_code == 200
    assert await order_status(stripe_container, placed.order_id) == "cancelled"
    assert await available(stripe_container, placed.sku) == 5
    assert fake_stripe.intents[placed.start.intent_id]["status"] == "canceled"
    [failure] = kinds(await ledger(stripe_container, placed.order_id), "failure")
    assert failure.status == "card_declined"


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
    assert await order_status(stripe_container, failed.order_id) == "cancelled"
    assert await order_status(stripe_container, waiting.order_id) == "pending_payment"
    assert await payments.reconcile_pending_payments(stripe_container) == 0  # idempotent


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


async def test_late_payment_on_an_expired_order_without_stock_is_refunded(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    placed = await place_order(stripe_container, amount=1800, stock=1)
    async with stripe_container.db.session() as session:  # cancelled, stock released
        await orders.apply_payment_failed(session, order_id=placed.order_id, reason="expired")
    await place_order(stripe_container, sku=placed.sku, stock=0)  # someone else takes the unit
    fake_stripe.confirm(placed.start.intent_id)  # ... and then the first shopper pays

    await send_stripe_event(
        stripe_client, fake_stripe.event("payment_intent.succeeded", placed.start.intent_id)
    )

    assert await order_status(stripe_container, placed.order_id) == "cancelled"
    [refund] = fake_stripe.calls("POST", "/v1/refunds")
    assert refund.params["amount"] == "1800"
    payment = await payment_row(stripe_container, placed.order_id)
    assert (payment.amount_captured, payment.amount_refunded) == (1800, 1800)


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
