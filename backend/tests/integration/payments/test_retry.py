"""Paying again after a failure (ADR 18), over HTTP with the sandbox: the same intent, or a
fresh one for the same order (guest with the order token, or the owner), raced confirmations and
renewals, and the shopper's emails."""

from __future__ import annotations

import asyncio
import email
import uuid
from email.message import EmailMessage
from email.policy import default
from typing import Any

import httpx
from sqlalchemy import func, select

from mercato.bootstrap import Container
from mercato.notifications.handlers import build_email
from mercato.platform.clock import utcnow
from mercato.platform.outbox import OutboxEvent
from mercato.worker.events import Event, dispatch_pending_events
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import (
    API,
    CHALLENGE_CARD,
    DECLINE_CARD,
    SUCCESS_CARD,
    checkout,
    expect,
    get_order,
    order_count,
    pay,
    ready_cart,
    stock,
)
from tests.integration.payments.conftest import (
    TEST_CARD_DECLINE,
    TEST_CARD_OK,
    kinds,
    ledger,
    order_status,
    place_order,
)


def _confirm(
    client: httpx.AsyncClient, payment: dict[str, Any], card: str
) -> Any:  # a coroutine of httpx.Response
    return client.post(
        f"{API}/payments/sandbox/intents/{payment['intent_id']}/confirm",
        json={
            "client_secret": payment["client_secret"],
            "card_number": card,
            "exp_month": 12,
            "exp_year": 2099,
            "cvc": "123",
        },
    )


def _renew_url(placed: dict[str, Any]) -> str:
    return f"{API}/orders/{placed['id']}/payment"


async def test_guest_pays_a_declined_order_with_a_fresh_intent(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1500, stock=2, skus=["RT-1"])
    placed = expect(await checkout(client, await ready_cart(client, {"RT-1": 1})), 201)
    await pay(client, placed, DECLINE_CARD)
    old = placed["payment"]

    assert (await client.post(_renew_url(placed))).status_code == 404  # no token
    wrong = await client.post(_renew_url(placed), params={"token": "forged"})
    assert wrong.status_code == 404
    renewed = expect(
        await client.post(_renew_url(placed), params={"token": placed["order_token"]}), 200
    )

    fresh = renewed["payment"]
    assert set(fresh) == {"provider", "intent_id", "client_secret", "status"}
    assert (fresh["provider"], fresh["status"]) == ("sandbox", "requires_payment_method")
    assert fresh["intent_id"] != old["intent_id"]
    assert fresh["client_secret"].startswith(fresh["intent_id"] + "_secret_")
    assert (renewed["id"], renewed["number"], renewed["status"]) == (
        placed["id"],
        placed["number"],
        "pending_payment",
    )
    # The old intent was voided: it can no longer take money for this order.
    assert (await _confirm(client, old, SUCCESS_CARD)).status_code == 404
    assert await stock(container, "RT-1") == (2, 1)

    await pay(client, renewed)

    order = await get_order(client, placed)
    assert order["status"] == "paid"
    assert order["payment"]["intent_id"] == fresh["intent_id"]
    assert order["payment"]["failed_attempts"] == 1
    assert await stock(container, "RT-1") == (1, 0)
    assert await order_count(container) == 1
    rows = await ledger(container, uuid.UUID(placed["id"]))
    assert [len(kinds(rows, k)) for k in ("intent_created", "failure", "void", "capture")] == [
        2,
        1,
        1,
        1,
    ]
    again = await client.post(_renew_url(placed), params={"token": placed["order_token"]})
    assert again.status_code == 409
    assert again.json()["code"] == "order_not_payable"


async def test_the_owner_renews_the_payment_and_nobody_else_can(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=900, stock=3, skus=["RT-2"])
    owner = auth_headers(container, await create_user(container))
    stranger = auth_headers(container, await create_user(container))
    cart_id = await ready_cart(client, {"RT-2": 1}, headers=owner)
    placed = expect(await checkout(client, cart_id, headers=owner), 201)
    await pay(client, placed, DECLINE_CARD)

    assert (await client.post(_renew_url(placed), headers=stranger)).status_code == 404
    renewed = expect(await client.post(_renew_url(placed), headers=owner), 200)
    seen = expect(await client.get(f"{API}/orders/{placed['id']}", headers=owner), 200)
    assert seen["payment"]["intent_id"] == renewed["payment"]["intent_id"]
    assert (seen["payment"]["status"], seen["payment"]["last_error_code"]) == (
        "requires_payment_method",
        None,
    )

    await pay(client, renewed)
    assert (await get_order(client, placed))["status"] == "paid"


async def test_a_cancelled_order_gets_no_new_intent(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=900, stock=3, skus=["RT-3"])
    placed = expect(await checkout(client, await ready_cart(client, {"RT-3": 1})), 201)
    token = {"token": placed["order_token"]}
    expect(await client.post(f"{API}/orders/{placed['id']}/cancel", params=token), 200)

    response = await client.post(_renew_url(placed), params=token)

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "order_not_payable"
    assert len(kinds(await ledger(container, uuid.UUID(placed["id"])), "intent_created")) == 1


async def test_confirmations_racing_after_a_decline_capture_once(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container)
    payment = {"intent_id": placed.start.intent_id, "client_secret": placed.start.client_secret}
    expect(await _confirm(client, payment, TEST_CARD_DECLINE), 200)

    responses = await asyncio.gather(*(_confirm(client, payment, TEST_CARD_OK) for _ in range(3)))

    assert sorted(r.status_code for r in responses) == [200, 409, 409], [r.text for r in responses]
    rows = await ledger(container, placed.order_id)
    assert [len(kinds(rows, k)) for k in ("failure", "authorization", "capture")] == [1, 1, 1]
    assert await order_status(container, placed.order_id) == "paid"


async def test_a_renewal_racing_a_confirmation_never_takes_two_payments(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1100, stock=2, skus=["RT-4"])
    placed = expect(await checkout(client, await ready_cart(client, {"RT-4": 1})), 201)
    await pay(client, placed, DECLINE_CARD)

    renewal, confirmation = await asyncio.gather(
        client.post(_renew_url(placed), params={"token": placed["order_token"]}),
        _confirm(client, placed["payment"], SUCCESS_CARD),
    )

    order = await get_order(client, placed)
    if confirmation.status_code == 200:  # the old intent was paid first: nothing to replace
        assert renewal.status_code == 409, renewal.text
        assert order["status"] == "paid"
    else:  # the renewal voided the old intent first
        assert renewal.status_code == 200, renewal.text
        assert confirmation.status_code in (404, 409), confirmation.text
        assert order["status"] == "pending_payment"
        await pay(client, renewal.json())
        assert (await get_order(client, placed))["status"] == "paid"
    rows = await ledger(container, uuid.UUID(placed["id"]))
    assert len(kinds(rows, "capture")) == 1
    assert await stock(container, "RT-4") == (1, 0)


def _emails(container: Container) -> list[EmailMessage]:
    files = sorted((container.settings.data_dir / "mail").glob("*.eml"))
    messages = [email.message_from_bytes(f.read_bytes(), policy=default) for f in files]
    return [m for m in messages if isinstance(m, EmailMessage)]


async def test_the_shopper_hears_received_failed_once_then_confirmed(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1200, stock=2, skus=["RT-5"])
    placed = expect(await checkout(client, await ready_cart(client, {"RT-5": 1})), 201)
    for _ in range(2):
        await pay(client, placed, DECLINE_CARD)
    await dispatch_pending_events(container)
    number = placed["number"]
    subjects = sorted(m["Subject"] for m in _emails(container))
    assert subjects == [f"Order {number} received", f"Payment for order {number} failed"]
    failed = next(m for m in _emails(container) if "failed" in m["Subject"])
    body = failed.get_body(preferencelist=("plain",))
    assert body is not None
    assert placed["order_url"] in body.get_content()  # back to the order, not a new checkout
    assert "Your card was declined." in body.get_content()  # the sandbox's code, in words
    assert "card_declined" not in failed.as_string()

    await pay(client, placed)
    await dispatch_pending_events(container)

    subjects = sorted(m["Subject"] for m in _emails(container))
    assert f"Payment for order {number} confirmed" in subjects
    assert len(subjects) == 3
    async with container.db.session(write=False) as session:
        failures = await session.scalar(
            select(func.count(OutboxEvent.id)).where(OutboxEvent.event_type == "PaymentFailed")
        )
    assert failures == 1


async def test_a_refused_bank_check_is_told_in_words(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1200, stock=1, skus=["RT-6"])
    placed = expect(await checkout(client, await ready_cart(client, {"RT-6": 1})), 201)
    challenged = await pay(client, placed, CHALLENGE_CARD)
    refused = await client.post(challenged["next_action"]["url"], json={"approve": False})
    assert refused.status_code == 200, refused.text
    await dispatch_pending_events(container)
    (failed,) = [m for m in _emails(container) if "failed" in m["Subject"]]
    for kind in ("plain", "html"):
        part = failed.get_body(preferencelist=(kind,))
        assert part is not None
        content = part.get_content()
        assert "The bank asked for additional verification that was not completed." in content
        assert "payment_intent_authentication_failure" not in content


def test_which_payment_events_send_which_email(container: Container) -> None:
    order = {"order_id": "o1", "order_number": "MC-1", "email": "ann@example.com"}

    def subject(event_type: str, payload: dict[str, Any]) -> str | None:
        event = Event(id=uuid.uuid4(), type=event_type, payload=payload, created_at=utcnow())
        built = build_email(container, event)
        return None if built is None else built.subject

    paid = {**order, "amount": 1200, "currency": "EUR", "provider": "sandbox"}
    assert subject("PaymentSucceeded", paid) == "Payment for order MC-1 confirmed"
    # A fully discounted order: "received" already said everything.
    assert subject("PaymentSucceeded", {**paid, "amount": 0, "provider": "none"}) is None
    failed = {**order, "reason": "card_declined", "retry_url": "https://shop.example/orders/o1"}
    assert subject("PaymentFailed", failed) == "Payment for order MC-1 failed"
