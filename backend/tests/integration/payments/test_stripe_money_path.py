"""The money path through the API in Stripe mode (official SDK against the loopback fake): checkout
hands out the client secret, Stripe's signed webhook pays the order, an admin refunds it; replays
create one PaymentIntent; an outage is a clean 503 with nothing reserved."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from tests.factories import auth_headers, create_product, create_user
from tests.fakes.stripe_server import FakeStripe
from tests.integration.checkout.helpers import (
    API,
    checkout,
    expect,
    get_order,
    order_count,
    ready_cart,
    stock,
)
from tests.integration.payments.conftest import send_stripe_event, stripe_settings


async def test_checkout_pay_by_webhook_and_refund_in_stripe_mode(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    await create_product(stripe_container, price=3000, stock=4, skus=["STRIPE-1"])
    cart_id = await ready_cart(stripe_client, {"STRIPE-1": 2})

    first = expect(await checkout(stripe_client, cart_id, key="stripe-key-1"), 201)
    replay = expect(await checkout(stripe_client, cart_id, key="stripe-key-1"), 201)

    payment = first["payment"]
    assert payment["provider"] == "stripe"
    assert payment["status"] == "requires_payment_method"
    assert payment["client_secret"] == fake_stripe.intents[payment["intent_id"]]["client_secret"]
    assert replay["id"] == first["id"]
    assert replay["payment"]["intent_id"] == payment["intent_id"]
    [create] = fake_stripe.calls("POST", "/v1/payment_intents")
    assert create.params["amount"] == str(first["total"]["amount"])
    assert create.headers["idempotency-key"]

    # Stripe.js confirms with the client secret; Stripe tells us by a signed webhook.
    fake_stripe.confirm(payment["intent_id"])
    delivered = await send_stripe_event(
        stripe_client, fake_stripe.event("payment_intent.succeeded", payment["intent_id"])
    )
    assert delivered.status_code == 200, delivered.text

    order = await get_order(stripe_client, first)
    assert order["status"] == "paid"
    assert await stock(stripe_container, "STRIPE-1") == (2, 0)

    admin = auth_headers(stripe_container, await create_user(stripe_container, role="admin"))
    refunded = expect(
        await stripe_client.post(
            f"{API}/admin/orders/{first['id']}/refund", json={"amount": 1000}, headers=admin
        ),
        200,
    )
    assert refunded["status"] == "partially_refunded"
    assert refunded["payment"]["amount_refunded"]["amount"] == 1000
    [refund] = fake_stripe.calls("POST", "/v1/refunds")
    assert refund.params == {"payment_intent": payment["intent_id"], "amount": "1000"}
    too_much = await stripe_client.post(
        f"{API}/admin/orders/{first['id']}/refund", json={"amount": 999_999}, headers=admin
    )
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "refund_exceeds_captured"
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 1

    # The client secret was handed to the storefront and nowhere else.
    secret_part = payment["client_secret"].split("_secret_")[1]
    async with stripe_container.db.session(write=False) as session:
        for table in ("payment", "payment_transaction", "payment_event", "shop_order"):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            assert secret_part not in repr(rows), table


async def test_stripe_outage_at_checkout_is_a_503_with_nothing_reserved(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    await create_product(stripe_container, price=1500, stock=3, skus=["STRIPE-2"])
    cart_id = await ready_cart(stripe_client, {"STRIPE-2": 1})
    fake_stripe.fail_with_api_error = True

    response = await checkout(stripe_client, cart_id, key="outage-key")

    assert response.status_code == 503, response.text
    assert response.json()["code"] == "payment_provider_unavailable"
    assert int(response.headers["retry-after"]) >= 1
    assert await stock(stripe_container, "STRIPE-2") == (3, 0)
    assert await order_count(stripe_container) == 0

    fake_stripe.fail_with_api_error = False  # the retry with the same key goes through
    placed = expect(await checkout(stripe_client, cart_id, key="outage-key"), 201)
    assert placed["payment"]["provider"] == "stripe"
    assert await stock(stripe_container, "STRIPE-2") == (3, 1)


async def test_a_checkout_waiting_on_stripe_does_not_hold_the_stock_row(
    db_url: str, tmp_path: Path, fake_stripe: FakeStripe
) -> None:
    """The PaymentIntent is created inside the checkout's transaction; the stock row is taken
    after it, so a buyer of the same product is not kept waiting behind Stripe's answer."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite runs one write transaction at a time")
    settings = stripe_settings(db_url, tmp_path, fake_stripe.url, stripe_timeout_seconds=30)
    stripe_container = build_container(settings)
    transport = httpx.ASGITransport(
        app=create_app(settings, stripe_container), raise_app_exceptions=False
    )
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await _two_buyers_one_inside_stripe(stripe_container, client, fake_stripe)
    finally:
        await stripe_container.aclose()


async def _two_buyers_one_inside_stripe(
    stripe_container: Container, stripe_client: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    await create_product(stripe_container, price=3000, stock=4, skus=["STRIPE-HOT"])
    first_cart = await ready_cart(stripe_client, {"STRIPE-HOT": 1})
    second_cart = await ready_cart(stripe_client, {"STRIPE-HOT": 1})
    release = threading.Event()
    fake_stripe.pause_next_intent = release
    first = asyncio.create_task(checkout(stripe_client, first_cart))
    try:
        assert await asyncio.to_thread(fake_stripe.intent_paused.wait, 10)
        second = asyncio.create_task(checkout(stripe_client, second_cart))
        done, _ = await asyncio.wait({second}, timeout=20)
        assert second in done, "the second buyer waited for the first one's Stripe call"
        assert not first.done()  # still inside Stripe's answer
        expect(second.result(), 201)
    finally:
        release.set()
    expect(await first, 201)
    assert await stock(stripe_container, "STRIPE-HOT") == (4, 2)
