"""The sandbox gateway end to end over HTTP: test cards, the challenge, signed in-process delivery
through the webhook path, refunds, manual capture, and card data never kept."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest
import structlog
from sqlalchemy import select, text

from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from mercato.payments import service as payments
from mercato.payments.models import PaymentEvent, SandboxEvent, SandboxIntent
from mercato.platform.errors import Conflict
from tests.conftest import make_settings
from tests.integration.payments.conftest import (
    TEST_CARD_CHALLENGE,
    TEST_CARD_DECLINE,
    TEST_CARD_OK,
    Placed,
    available,
    count_rows,
    kinds,
    ledger,
    order_status,
    payment_row,
    place_order,
)


def card(number: str, placed: Placed, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "client_secret": placed.start.client_secret,
        "card_number": number,
        "exp_month": 12,
        "exp_year": 2099,
        "cvc": "123",
    }
    body.update(overrides)
    return body


def confirm_url(placed: Placed) -> str:
    return f"/api/v1/payments/sandbox/intents/{placed.start.intent_id}/confirm"


async def test_success_card_pays_the_order(container: Container, client: httpx.AsyncClient) -> None:
    placed = await place_order(container, amount=2500)
    assert placed.start.provider == "sandbox"
    assert placed.start.status == "requires_payment_method"
    assert placed.start.client_secret
    assert placed.start.client_secret.startswith(placed.start.intent_id + "_secret_")
    async with container.db.session(write=False) as session:
        created = await session.scalar(
            select(SandboxEvent).where(
                SandboxEvent.intent_id == placed.start.intent_id,
                SandboxEvent.type == "payment_intent.created",
            )
        )
    assert created is not None
    # the snapshot is Stripe's shape with the new intent's values, amounts as numbers
    assert {k: created.payload[k] for k in ("amount", "amount_capturable", "amount_received")} == {
        "amount": 2500,
        "amount_capturable": 0,
        "amount_received": 0,
    }
    assert created.payload["status"] == "requires_payment_method"

    response = await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "succeeded"}
    assert await order_status(container, placed.order_id) == "paid"
    assert await available(container, placed.sku) == 4  # committed, not released
    payment = await payment_row(container, placed.order_id)
    assert (payment.status, payment.amount_authorized, payment.amount_captured) == (
        "succeeded",
        2500,
        2500,
    )
    rows = await ledger(container, placed.order_id)
    assert [len(kinds(rows, k)) for k in ("intent_created", "authorization", "capture")] == [
        1,
        1,
        1,
    ]
    assert kinds(rows, "capture")[0].amount == 2500
    assert all(row.provider == "sandbox" for row in rows)
    # The sandbox's events went through the signed webhook path and were recorded.
    assert kinds(rows, "webhook"), "sandbox events must go through the webhook path"
    async with container.db.session(write=False) as session:
        pending = await session.scalars(
            select(SandboxEvent).where(SandboxEvent.delivered_at.is_(None))
        )
        assert list(pending) == []

    again = await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))
    assert again.status_code == 409
    assert again.json()["code"] == "payment_not_confirmable"
    assert len(kinds(await ledger(container, placed.order_id), "capture")) == 1


async def test_declined_card_keeps_the_order_and_the_same_intent_can_be_paid(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container)
    assert await available(container, placed.sku) == 4

    for attempt in (1, 2):
        response = await client.post(confirm_url(placed), json=card(TEST_CARD_DECLINE, placed))
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "requires_payment_method"
        # Stripe semantics: the order waits for another attempt, its stock still reserved.
        assert await order_status(container, placed.order_id) == "pending_payment"
        assert await available(container, placed.sku) == 4
        payment = await payment_row(container, placed.order_id)
        assert (payment.status, payment.amount_captured) == ("requires_payment_method", 0)
        failures = kinds(await ledger(container, placed.order_id), "failure")
        assert [f.status for f in failures] == ["card_declined"] * attempt

    retry = await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))

    assert retry.status_code == 200, retry.text
    assert retry.json() == {"status": "succeeded"}
    assert await order_status(container, placed.order_id) == "paid"
    assert await available(container, placed.sku) == 4  # committed once
    rows = await ledger(container, placed.order_id)
    assert [len(kinds(rows, k)) for k in ("intent_created", "failure", "capture", "void")] == [
        1,
        2,
        1,
        0,
    ]


@pytest.mark.parametrize(("approve", "final"), [(True, "paid"), (False, "pending_payment")])
async def test_challenge_card_needs_the_shoppers_decision(
    container: Container, client: httpx.AsyncClient, approve: bool, final: str
) -> None:
    placed = await place_order(container)

    response = await client.post(confirm_url(placed), json=card(TEST_CARD_CHALLENGE, placed))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "requires_action"
    assert body["next_action"]["type"] == "sandbox_challenge"
    url = body["next_action"]["url"]
    # absolute (MERCATO_PUBLIC_BASE_URL): the shopper's browser opens it from the storefront
    assert url.startswith(container.settings.public_base_url + "/api/v1/payments/sandbox/"), url
    assert await order_status(container, placed.order_id) == "pending_payment"

    page = await client.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Approve" in page.text
    assert "Decline" in page.text

    decided = await client.post(url, json={"approve": approve})
    assert decided.status_code == 200, decided.text
    assert await order_status(container, placed.order_id) == final
    # The challenge is single-use.
    assert (await client.post(url, json={"approve": True})).status_code == 404
    assert (await client.get(url)).status_code == 404
    assert await order_status(container, placed.order_id) == final


async def test_challenge_page_form_post(container: Container, client: httpx.AsyncClient) -> None:
    placed = await place_order(container)
    body = (await client.post(confirm_url(placed), json=card(TEST_CARD_CHALLENGE, placed))).json()
    url = body["next_action"]["url"]
    page = await client.get(url)
    assert page.status_code == 200
    # a page of its own: one main landmark, and no favicon request to fail in the console
    assert page.text.count("<main>") == 1
    assert '<link rel="icon" href="data:,">' in page.text

    decided = await client.post(url, data={"approve": "true"})

    assert decided.status_code == 200
    assert "approved" in decided.text
    assert await order_status(container, placed.order_id) == "paid"


async def test_challenge_refuses_deep_json_and_a_doubled_form_field_or_json_key(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container)
    body = (await client.post(confirm_url(placed), json=card(TEST_CARD_CHALLENGE, placed))).json()
    url = body["next_action"]["url"]
    guess = url.split("?")[0] + "?token=abc"
    deep = {"Content-Type": "application/json"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    events = await count_rows(container, PaymentEvent)
    attempts = [
        (guess, b"[" * 100_000 + b"]" * 100_000, deep),  # RecursionError in json.loads: was 500
        (url, b"[" * 100_000 + b"]" * 100_000, deep),
        (url, b"approve=true&approve=false", form),  # was accepted, the last value winning
        (url, b"approve=false&approve=true", form),
        (url, b"approve=true&approve=true", form),
        (url, b'{"approve": true, "approve": false}', deep),  # was accepted, the last key winning
        (url, b'{"approve": false, "approve": true}', deep),
        (url, b'{"approve": true, "approve": true}', deep),
    ]
    for target, content, headers in attempts:
        response = await client.post(target, content=content, headers=headers)
        assert response.status_code == 422, (content[:30], response.text)
        assert response.json()["code"] == "validation_error"
    assert await count_rows(container, PaymentEvent) == events
    assert await order_status(container, placed.order_id) == "pending_payment"
    # Nothing was decided: the challenge still takes one clear answer.
    decided = await client.post(url, content=b"approve=true", headers=form)
    assert decided.status_code == 200, decided.text
    assert await order_status(container, placed.order_id) == "paid"


async def test_challenge_needs_the_right_token(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container)
    await client.post(confirm_url(placed), json=card(TEST_CARD_CHALLENGE, placed))
    base = f"/api/v1/payments/sandbox/intents/{placed.start.intent_id}/challenge"

    assert (await client.get(base + "?token=guess")).status_code == 404
    assert (await client.post(base + "?token=guess", json={"approve": True})).status_code == 404
    assert (await client.post(base, json={"approve": True})).status_code == 422
    assert await order_status(container, placed.order_id) == "pending_payment"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"card_number": "4242 4242 4242 4241"}, "card_number_invalid"),  # Luhn
        ({"card_number": "5555 5555 5555 4444"}, "card_not_test_card"),  # valid, not a test card
        ({"card_number": "4111 1111 1111 1111"}, "card_not_test_card"),
        ({"card_number": "abcd"}, "card_number_invalid"),
        ({"exp_year": 2001}, "card_expired"),
        ({"cvc": "12"}, "card_cvc_invalid"),
        ({"cvc": "12a"}, "card_cvc_invalid"),
        ({"exp_month": 13}, "validation_error"),
        ({"amount": 1}, "validation_error"),  # unknown fields are refused
    ],
)
async def test_bad_cards_are_refused_and_change_nothing(
    container: Container, client: httpx.AsyncClient, overrides: dict[str, object], code: str
) -> None:
    placed = await place_order(container)
    before = await ledger(container, placed.order_id)

    response = await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed, **overrides))

    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    submitted = str(overrides.get("card_number", TEST_CARD_OK))
    assert submitted not in response.text
    assert submitted.replace(" ", "") not in response.text
    assert await order_status(container, placed.order_id) == "pending_payment"
    assert len(await ledger(container, placed.order_id)) == len(before)


async def test_another_shoppers_intent_cannot_be_paid(
    container: Container, client: httpx.AsyncClient
) -> None:
    mine = await place_order(container)
    theirs = await place_order(container)

    stolen = card(TEST_CARD_OK, theirs, client_secret=mine.start.client_secret)
    response = await client.post(confirm_url(theirs), json=stolen)

    assert response.status_code == 404
    unknown = await client.post(
        "/api/v1/payments/sandbox/intents/pi_sbx_unknown/confirm", json=card(TEST_CARD_OK, mine)
    )
    assert unknown.status_code == 404
    assert await order_status(container, theirs.order_id) == "pending_payment"


async def test_full_and_partial_refunds(container: Container, client: httpx.AsyncClient) -> None:
    placed = await place_order(container, amount=3000)
    await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))

    async with container.db.session() as session:
        await payments.refund_order_payment(
            session, container, order_id=placed.order_id, amount=1000, reason="damaged"
        )
    assert await order_status(container, placed.order_id) == "partially_refunded"

    with pytest.raises(Conflict) as excinfo:
        async with container.db.session() as session:
            await payments.refund_order_payment(
                session, container, order_id=placed.order_id, amount=2001, reason=None
            )
    assert excinfo.value.code == "refund_exceeds_captured"

    async with container.db.session() as session:
        await payments.refund_order_payment(
            session, container, order_id=placed.order_id, amount=None, reason=None
        )
    assert await order_status(container, placed.order_id) == "refunded"
    payment = await payment_row(container, placed.order_id)
    assert (payment.amount_captured, payment.amount_refunded, payment.status) == (
        3000,
        3000,
        "refunded",
    )
    refunds = kinds(await ledger(container, placed.order_id), "refund")
    assert sorted(r.amount for r in refunds) == [1000, 2000]

    # The sandbox's charge.refunded events arrive later (redelivery sweep): no double effect.
    delivered = await payments.deliver_sandbox_events(container)
    assert delivered >= 2
    assert len(kinds(await ledger(container, placed.order_id), "refund")) == 2
    assert await order_status(container, placed.order_id) == "refunded"


async def test_concurrent_partial_refunds_never_exceed_captured(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container, amount=1000)
    await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))

    async def refund(amount: int) -> str:
        try:
            async with container.db.session() as session:
                await payments.refund_order_payment(
                    session, container, order_id=placed.order_id, amount=amount, reason=None
                )
            return "ok"
        except Conflict as exc:
            return exc.code

    results = await asyncio.gather(refund(600), refund(600), refund(600))

    assert sorted(results) == ["ok", "refund_exceeds_captured", "refund_exceeds_captured"]
    payment = await payment_row(container, placed.order_id)
    assert payment.amount_refunded == 600
    assert sum(r.amount for r in kinds(await ledger(container, placed.order_id), "refund")) == 600


async def test_refund_before_capture_is_refused(container: Container) -> None:
    placed = await place_order(container)
    with pytest.raises(Conflict) as excinfo:
        async with container.db.session() as session:
            await payments.refund_order_payment(
                session, container, order_id=placed.order_id, amount=None, reason=None
            )
    assert excinfo.value.code == "payment_not_captured"


async def test_manual_capture(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path, payments={"sandbox_capture_method": "manual"})
    container = build_container(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(settings, container))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            placed = await place_order(container, amount=4200)
            response = await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))
            assert response.json()["status"] == "requires_capture"
        # Authorised: the order is paid, nothing captured yet.
        assert await order_status(container, placed.order_id) == "paid"
        payment = await payment_row(container, placed.order_id)
        assert (payment.status, payment.amount_authorized, payment.amount_captured) == (
            "requires_capture",
            4200,
            0,
        )
        async with container.db.session() as session:
            await payments.capture_order_payment(session, container, order_id=placed.order_id)
        async with container.db.session() as session:  # idempotent
            await payments.capture_order_payment(session, container, order_id=placed.order_id)
        payment = await payment_row(container, placed.order_id)
        assert (payment.status, payment.amount_captured) == ("succeeded", 4200)
        assert len(kinds(await ledger(container, placed.order_id), "capture")) == 1

        # Refunding an authorisation that was never captured releases the hold instead.
        held = await place_order(container, amount=1500)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.post(confirm_url(held), json=card(TEST_CARD_OK, held))
        assert await order_status(container, held.order_id) == "paid"
        with pytest.raises(Conflict):  # a partial amount cannot be voided
            async with container.db.session() as session:
                await payments.refund_order_payment(
                    session, container, order_id=held.order_id, amount=100, reason=None
                )
        async with container.db.session() as session:
            await payments.refund_order_payment(
                session, container, order_id=held.order_id, amount=None, reason=None
            )
        assert (await payment_row(container, held.order_id)).status == "canceled"
        assert len(kinds(await ledger(container, held.order_id), "void")) == 1
        assert await order_status(container, held.order_id) == "refunded"
    finally:
        await container.aclose()


async def test_void_on_cancel_and_late_confirmation_is_refused(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container)
    async with container.db.session() as session:
        await payments.cancel_order_payment(session, container, order_id=placed.order_id)
    async with container.db.session() as session:  # nothing left to void: a no-op
        await payments.cancel_order_payment(session, container, order_id=placed.order_id)
    assert (await payment_row(container, placed.order_id)).status == "canceled"
    assert len(kinds(await ledger(container, placed.order_id), "void")) == 1

    response = await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))
    assert response.status_code == 409


async def test_card_data_and_client_secret_are_never_stored_or_logged(
    container: Container,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as captured:
        placed = await place_order(container)
        secret = placed.start.client_secret
        assert secret
        await client.post(confirm_url(placed), json=card(TEST_CARD_CHALLENGE, placed, cvc="987"))
        bad = await client.post(
            confirm_url(placed), json=card("5555 5555 5555 4444", placed, cvc="987")
        )
        assert bad.status_code in (409, 422)

    logged = repr(captured) + caplog.text + capsys.readouterr().out
    for needle in ("4000002500003155", "4000 0025 0000 3155", "5555555555554444", secret):
        assert needle not in logged, needle
    assert "cvc" not in logged.lower()  # neither the field nor its value is ever logged
    assert "payment_started" in logged  # the capture really saw our log lines

    # Nothing in any table holds the PAN, the CVC or the client secret.
    async with container.db.session(write=False) as session:
        intent = await session.get(SandboxIntent, placed.start.intent_id)
        assert intent is not None
        assert (intent.card_last4, intent.card_brand) == ("3155", "visa")
        dump = ""
        for table in ("sandbox_intent", "sandbox_event", "payment", "payment_transaction"):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            dump += repr(rows)
    for needle in ("4000002500003155", "4000 0025", secret):
        assert needle not in dump, needle
    assert "cvc" not in {c.name for c in SandboxIntent.__table__.columns}


async def test_redelivery_is_a_noop(container: Container, client: httpx.AsyncClient) -> None:
    placed = await place_order(container)
    await client.post(confirm_url(placed), json=card(TEST_CARD_OK, placed))
    events = await count_rows(container, PaymentEvent)
    async with container.db.session() as session:  # force every event to be delivered again
        await session.execute(text("UPDATE sandbox_event SET delivered_at = NULL"))

    assert await payments.deliver_sandbox_events(container) >= 2

    assert await count_rows(container, PaymentEvent) == events
    rows = await ledger(container, placed.order_id)
    assert len(kinds(rows, "capture")) == 1
    assert await order_status(container, placed.order_id) == "paid"


async def test_odd_input_is_a_4xx_never_a_5xx(
    container: Container, client: httpx.AsyncClient
) -> None:
    placed = await place_order(container)
    base = f"/api/v1/payments/sandbox/intents/{placed.start.intent_id}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    attempts = [
        client.post(
            f"{base}/confirm", content=b"[1, 2]", headers={"Content-Type": "application/json"}
        ),
        client.post(
            f"{base}/confirm", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
        ),
        client.post(f"{base}/confirm", json={**card(TEST_CARD_OK, placed), "exp_year": "soon"}),
        client.post(f"{base}/confirm", json=card(TEST_CARD_OK, placed, client_secret="x" * 300)),
        client.post(
            "/api/v1/payments/sandbox/intents/bad%20id/confirm", json=card(TEST_CARD_OK, placed)
        ),
        client.get(f"{base}/challenge"),
        client.get(f"{base}/challenge?token=" + "t" * 500),
        client.post(f"{base}/challenge?token=x", content=b"approve=maybe", headers=form),
        client.post(f"{base}/challenge?token=x", content=b"", headers=form),
        client.post(f"{base}/challenge?token=x", content=b"not json"),
        client.post(f"{base}/challenge?token=x", json={"approve": "yes please"}),
        client.post("/api/v1/payments/sandbox/webhook", content=b""),
        client.post("/api/v1/payments/UPPER/webhook", content=b"{}"),
    ]
    for response in [await attempt for attempt in attempts]:
        assert 400 <= response.status_code < 500, (response.request.url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert await order_status(container, placed.order_id) == "pending_payment"
