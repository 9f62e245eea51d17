"""One suite for every `PaymentGateway`: the sandbox and Stripe (official SDK against the loopback
fake) must behave the same through the port."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from mercato.bootstrap import Container, build_container
from mercato.notifications.wording import payment_failure
from mercato.payments.providers.port import (
    CaptureMethod,
    CreateIntent,
    GatewayError,
    Intent,
    PaymentGateway,
)
from mercato.payments.providers.sandbox import SandboxGateway, check_card
from tests.conftest import make_settings
from tests.fakes.stripe_server import running_fake_stripe
from tests.integration.payments.conftest import stripe_settings


@dataclass
class Harness:
    container: Container
    gateway: PaymentGateway
    # Plays the shopper paying with a good card (Payment Element / sandbox confirm).
    pay: Callable[[Intent], Awaitable[None]]
    # ... and with a card that is declined.
    decline: Callable[[Intent], Awaitable[None]]
    # the reason recorded for that decline: the sandbox's code; Stripe's `decline_code`
    declined_because: str

    async def create(self, amount: int = 1500, capture: CaptureMethod = "automatic") -> Intent:
        async with self.container.db.session() as session:
            return await self.gateway.create_intent(
                session,
                CreateIntent(
                    amount=amount,
                    currency="EUR",
                    capture_method=capture,
                    order_id=str(uuid.uuid4()),
                    idempotency_key=f"contract:{uuid.uuid4()}",
                ),
            )

    async def retrieve(self, intent_id: str) -> Intent:
        async with self.container.db.session() as session:
            return await self.gateway.retrieve_intent(session, intent_id)


@pytest.fixture(params=["sandbox", "stripe"])
async def harness(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path
) -> AsyncIterator[Harness]:
    if request.param == "sandbox":
        container = build_container(make_settings(db_url, tmp_path))
        gateway = container.payment_gateways.get("sandbox")
        assert isinstance(gateway, SandboxGateway)

        async def confirm_sandbox(intent: Intent, number: str) -> None:
            assert intent.client_secret
            card = check_card(number, 12, 2099, "123", today=date.today())
            async with container.db.session() as session:
                await gateway.confirm(
                    session, intent.id, client_secret=intent.client_secret, card=card
                )

        async def pay_sandbox(intent: Intent) -> None:
            await confirm_sandbox(intent, "4242424242424242")

        async def decline_sandbox(intent: Intent) -> None:
            await confirm_sandbox(intent, "4000000000000002")

        try:
            yield Harness(container, gateway, pay_sandbox, decline_sandbox, "card_declined")
        finally:
            await container.aclose()
        return
    with running_fake_stripe() as fake:
        container = build_container(stripe_settings(db_url, tmp_path, fake.url))

        async def pay_stripe(intent: Intent) -> None:
            fake.confirm(intent.id)

        async def decline_stripe(intent: Intent) -> None:
            fake.confirm(intent.id, "declined")

        try:
            yield Harness(
                container,
                container.payment_gateways.get("stripe"),
                pay_stripe,
                decline_stripe,
                "generic_decline",  # Stripe's test card 4000 0000 0000 0002
            )
        finally:
            await container.aclose()


async def test_create_and_retrieve(harness: Harness) -> None:
    intent = await harness.create(amount=2345)

    assert intent.status == "requires_payment_method"
    assert (intent.amount, intent.currency, intent.capture_method) == (2345, "EUR", "automatic")
    assert intent.client_secret
    again = await harness.retrieve(intent.id)
    assert (again.id, again.status, again.amount_received) == (intent.id, intent.status, 0)
    assert again.client_secret is None  # handed out once, at creation
    assert again.order_id == intent.order_id


async def test_creating_an_intent_again_with_its_key_gives_the_same_intent(
    harness: Harness,
) -> None:
    request = CreateIntent(
        amount=1500,
        currency="EUR",
        capture_method="automatic",
        order_id=str(uuid.uuid4()),
        idempotency_key=f"contract:{uuid.uuid4()}",
    )
    async with harness.container.db.session() as session:
        first = await harness.gateway.create_intent(session, request)
    async with harness.container.db.session() as session:  # a retry, in its own transaction
        again = await harness.gateway.create_intent(session, request)
    assert (again.id, again.amount, again.status) == (first.id, 1500, first.status)
    assert (await harness.retrieve(first.id)).id == first.id


async def test_automatic_capture_then_partial_and_full_refunds(harness: Harness) -> None:
    intent = await harness.create(amount=1000)
    await harness.pay(intent)

    paid = await harness.retrieve(intent.id)
    assert (paid.status, paid.amount_received) == ("succeeded", 1000)
    async with harness.container.db.session() as session:
        first = await harness.gateway.refund(
            session, intent.id, amount=300, idempotency_key=f"r1:{intent.id}"
        )
        replay = await harness.gateway.refund(
            session, intent.id, amount=300, idempotency_key=f"r1:{intent.id}"
        )
        rest = await harness.gateway.refund(
            session, intent.id, amount=700, idempotency_key=f"r2:{intent.id}"
        )
    assert first.id == replay.id  # the same idempotency key is the same refund
    assert (first.amount, rest.amount) == (300, 700)
    refunded = await harness.retrieve(intent.id)
    assert sorted(r.amount for r in refunded.refunds) == [300, 700]
    with pytest.raises(GatewayError):
        async with harness.container.db.session() as session:
            await harness.gateway.refund(
                session, intent.id, amount=1, idempotency_key=f"r3:{intent.id}"
            )


async def test_manual_capture(harness: Harness) -> None:
    intent = await harness.create(amount=800, capture="manual")
    await harness.pay(intent)
    authorised = await harness.retrieve(intent.id)
    assert (authorised.status, authorised.amount_capturable) == ("requires_capture", 800)

    async with harness.container.db.session() as session:
        captured = await harness.gateway.capture(
            session, intent.id, amount=None, idempotency_key=f"c:{intent.id}"
        )
    assert (captured.status, captured.amount_received) == ("succeeded", 800)


async def test_a_declined_intent_can_be_confirmed_again(harness: Harness) -> None:
    """Stripe semantics: a failed attempt returns the intent to requires_payment_method with the
    error and a distinct attempt id; the next confirmation may succeed and clears the error."""
    intent = await harness.create(amount=1200)
    attempts = []
    for _ in range(2):
        await harness.decline(intent)
        failed = await harness.retrieve(intent.id)
        assert failed.failed
        assert (failed.status, failed.last_error_code) == (
            "requires_payment_method",
            harness.declined_because,
        )
        # the same words for the shopper, whichever gateway
        assert payment_failure(failed.last_error_code) == "Your card was declined."
        attempts.append(failed.last_error_attempt)
    assert None not in attempts
    assert len(set(attempts)) == 2  # one id per failed attempt

    await harness.pay(intent)

    paid = await harness.retrieve(intent.id)
    assert (paid.status, paid.amount_received, paid.failed) == ("succeeded", 1200, False)
    assert (paid.last_error_code, paid.last_error_attempt) == (None, None)


async def test_cancel_voids_and_cannot_cancel_a_captured_payment(harness: Harness) -> None:
    open_intent = await harness.create()
    async with harness.container.db.session() as session:
        voided = await harness.gateway.cancel(
            session, open_intent.id, idempotency_key=f"v:{open_intent.id}"
        )
    assert voided.status == "canceled"

    paid = await harness.create()
    await harness.pay(paid)
    with pytest.raises(GatewayError):
        async with harness.container.db.session() as session:
            await harness.gateway.cancel(session, paid.id, idempotency_key=f"v:{paid.id}")
    with pytest.raises(GatewayError):
        async with harness.container.db.session() as session:
            await harness.gateway.capture(
                session, open_intent.id, amount=None, idempotency_key=f"c:{open_intent.id}"
            )


async def test_unknown_intent_is_a_gateway_error(harness: Harness) -> None:
    with pytest.raises(GatewayError):
        await harness.retrieve("pi_does_not_exist")
