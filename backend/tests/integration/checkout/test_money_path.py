"""The whole money path through the API with the sandbox gateway: cart, lines, address,
shipping, discount, checkout, pay (plain and challenge cards), see it paid, refund it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from mercato.bootstrap import Container
from mercato.platform.outbox import OutboxEvent
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import (
    API,
    CHALLENGE_CARD,
    DECLINE_CARD,
    checkout,
    expect,
    get_order,
    order_count,
    pay,
    ready_cart,
    stock,
)


async def _admin(container: Container) -> dict[str, str]:
    return auth_headers(container, await create_user(container, role="admin"))


async def test_money_path_with_discount_pay_and_refund(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=2500, stock=5, skus=["MP-1"], weight_grams=400)
    admin = await _admin(container)
    expect(
        await client.post(
            f"{API}/admin/discounts",
            json={"code": "welcome10", "kind": "percentage", "value": 10},
            headers=admin,
        ),
        201,
    )
    cart_id = await ready_cart(client, {"MP-1": 2}, email="ada@example.com")
    options = expect(await client.get(f"{API}/carts/{cart_id}/shipping-options"), 200)["items"]
    assert {o["code"] for o in options} == {"standard", "express"}
    cart = expect(
        await client.post(f"{API}/carts/{cart_id}/discount-codes", json={"code": "WELCOME10"}),
        200,
    )
    assert cart["discount_total"]["amount"] == 500
    assert cart["shipping_total"]["amount"] == 0  # standard is free over 50.00 list price
    assert cart["total"]["amount"] == 4500

    placed = expect(await checkout(client, cart_id), 201)
    assert placed["status"] == "pending_payment"
    assert placed["number"].startswith("MC-")
    assert placed["total"] == {"amount": 4500, "currency": "EUR"}
    # 19 % German VAT included in 45.00: 45.00 - 45.00 / 1.19 = 7.18
    assert placed["tax_total"]["amount"] == 718
    assert placed["payment"]["provider"] == "sandbox"
    assert placed["payment"]["client_secret"]
    assert await stock(container, "MP-1") == (5, 2)

    result = await pay(client, placed)
    assert result["status"] == "succeeded"
    order = await get_order(client, placed)
    assert order["status"] == "paid"
    assert order["amount_paid"]["amount"] == 4500
    assert order["payment"]["amount_captured"]["amount"] == 4500
    assert await stock(container, "MP-1") == (3, 0)

    partial = expect(
        await client.post(
            f"{API}/admin/orders/{placed['id']}/refund", json={"amount": 1000}, headers=admin
        ),
        200,
    )
    assert partial["status"] == "partially_refunded"
    too_much = await client.post(
        f"{API}/admin/orders/{placed['id']}/refund", json={"amount": 4000}, headers=admin
    )
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "refund_exceeds_captured"
    rest = expect(
        await client.post(f"{API}/admin/orders/{placed['id']}/refund", headers=admin), 200
    )
    assert rest["status"] == "refunded"
    assert rest["amount_refunded"]["amount"] == 4500
    statuses = [h["to_status"] for h in rest["history"] if h["kind"] == "status"]
    assert statuses == ["pending_payment", "paid", "partially_refunded", "refunded"]


async def test_challenge_card_approved_then_paid(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=3, skus=["CH-1"])
    placed = expect(await checkout(client, await ready_cart(client, {"CH-1": 1})), 201)
    result = await pay(client, placed, CHALLENGE_CARD)
    assert result["status"] == "requires_action"
    assert (await get_order(client, placed))["status"] == "pending_payment"
    url = result["next_action"]["url"]
    page = await client.get(url)
    assert page.status_code == 200
    assert "Approve" in page.text
    expect(await client.post(url, json={"approve": True}), 200)
    assert (await get_order(client, placed))["status"] == "paid"
    assert await stock(container, "CH-1") == (2, 0)


async def test_declined_card_keeps_the_order_and_the_guest_pays_it_on_a_retry(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=1, skus=["DC-1"])
    cart_id = await ready_cart(client, {"DC-1": 1})
    placed = expect(await checkout(client, cart_id), 201)
    assert await stock(container, "DC-1") == (1, 1)

    await pay(client, placed, DECLINE_CARD)

    order: dict[str, Any] = await get_order(client, placed)
    assert (order["status"], order["cancel_reason"]) == ("pending_payment", None)
    assert order["payment"]["status"] == "requires_payment_method"
    assert order["payment"]["last_error_code"] == "card_declined"
    assert order["payment"]["failure_message"] == "Your card was declined."  # the order page's
    assert order["payment"]["failed_attempts"] == 1
    assert await stock(container, "DC-1") == (1, 1)  # still reserved for this order
    # The order is not given up: its cart stays checked out, no second order number.
    assert (await checkout(client, cart_id)).json()["code"] == "cart_not_open"

    await pay(client, placed)  # the same intent, a good card

    order = await get_order(client, placed)
    assert (order["status"], order["number"]) == ("paid", placed["number"])
    assert order["payment"]["last_error_code"] is None
    assert order["payment"]["failure_message"] is None
    assert await stock(container, "DC-1") == (0, 0)
    assert await order_count(container) == 1
    async with container.db.session(write=False) as session:
        events = list(
            await session.scalars(select(OutboxEvent.event_type).order_by(OutboxEvent.created_at))
        )
    shopper_events = {"OrderPlaced", "PaymentFailed", "PaymentSucceeded", "OrderCancelled"}
    assert [e for e in events if e in shopper_events] == [
        "OrderPlaced",
        "PaymentFailed",
        "PaymentSucceeded",
    ]


async def test_demo_discount_codes_are_seeded_once_and_apply(
    client: httpx.AsyncClient, container: Container
) -> None:
    from mercato.demo.discounts import ensure_demo_discounts

    assert await ensure_demo_discounts(container) == ["WELCOME10", "TENOFF", "FREESHIP"]
    assert await ensure_demo_discounts(container) == []
    await create_product(container, price=6000, stock=5, skus=["DEMO-1"])
    cart_id = await ready_cart(client, {"DEMO-1": 1})
    body = expect(
        await client.post(f"{API}/carts/{cart_id}/discount-codes", json={"code": "welcome10"}),
        200,
    )
    assert body["discount_code"] == "WELCOME10"
