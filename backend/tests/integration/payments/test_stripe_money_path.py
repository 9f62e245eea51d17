"""The money path through the API in Stripe mode (official SDK against the loopback fake): checkout
hands out the client secret, Stripe's signed webhook pays the order, an admin refunds it; replays
create one PaymentIntent; an outage is a clean 503 with nothing reserved."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from mercato.bootstrap import Container
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
from tests.integration.payments.conftest import send_stripe_event


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
