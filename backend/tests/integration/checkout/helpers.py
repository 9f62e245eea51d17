"""Shared steps for the cart, checkout and orders suites: a cart made ready through the API,
checkout with an Idempotency-Key, and paying with a sandbox test card."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from mercato.bootstrap import Container
from mercato.cart import service as cart_service
from mercato.inventory import service as inventory
from mercato.orders.models import Order

API = "/api/v1"
ADDRESS: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}
SUCCESS_CARD = "4242 4242 4242 4242"
DECLINE_CARD = "4000 0000 0000 0002"
CHALLENGE_CARD = "4000 0025 0000 3155"


def expect(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def new_cart(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> str:
    response = await client.post(f"{API}/carts", headers=headers or {})
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


async def ready_cart(
    client: httpx.AsyncClient,
    lines: dict[str, int],
    *,
    headers: dict[str, str] | None = None,
    email: str | None = None,
    address: dict[str, Any] | None = None,
    method: str = "standard",
) -> str:
    """A cart with lines, an address and a shipping method, all through the API."""
    headers = headers or {}
    cart_id = await new_cart(client, headers)
    for sku, quantity in lines.items():
        expect(
            await client.post(
                f"{API}/carts/{cart_id}/lines",
                json={"sku": sku, "quantity": quantity},
                headers=headers,
            ),
            201,
        )
    expect(
        await client.put(
            f"{API}/carts/{cart_id}/address",
            json={
                "email": email or f"shopper-{uuid.uuid4().hex[:8]}@example.com",
                "shipping_address": address or ADDRESS,
            },
            headers=headers,
        ),
        200,
    )
    expect(
        await client.put(
            f"{API}/carts/{cart_id}/shipping-method", json={"code": method}, headers=headers
        ),
        200,
    )
    return cart_id


async def guest_carts(container: Container, sku: str, count: int, quantity: int = 1) -> list[str]:
    """Many ready guest carts, written through the cart service in one transaction (fast)."""
    ids: list[str] = []
    async with container.db.session() as session:
        for i in range(count):
            cart, _ = await cart_service.create_cart(session, container.settings, customer_id=None)
            await cart_service.add_line(
                session, container.settings, cart, sku=sku, quantity=quantity
            )
            await cart_service.set_details(
                session,
                container.settings,
                cart,
                email=f"guest-{i}-{uuid.uuid4().hex[:6]}@example.com",
                shipping_address=ADDRESS,
                billing_address=ADDRESS,
                shipping_method="standard",
            )
            ids.append(str(cart.id))
    return ids


async def checkout(
    client: httpx.AsyncClient,
    cart_id: str,
    *,
    key: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"{API}/checkout",
        json={"cart_id": cart_id, **extra},
        headers={"Idempotency-Key": key or str(uuid.uuid4()), **(headers or {})},
    )


async def pay(
    client: httpx.AsyncClient, placed: dict[str, Any], card: str = SUCCESS_CARD
) -> dict[str, Any]:
    payment = placed["payment"]
    return expect(
        await client.post(
            f"{API}/payments/sandbox/intents/{payment['intent_id']}/confirm",
            json={
                "client_secret": payment["client_secret"],
                "card_number": card,
                "exp_month": 12,
                "exp_year": 2099,
                "cvc": "123",
            },
        ),
        200,
    )


async def get_order(client: httpx.AsyncClient, placed: dict[str, Any]) -> dict[str, Any]:
    return expect(
        await client.get(f"{API}/orders/{placed['id']}", params={"token": placed["order_token"]}),
        200,
    )


async def stock(container: Container, sku: str) -> tuple[int, int]:
    """(on_hand, reserved) of the SKU."""
    async with container.db.session(write=False) as session:
        level = (await inventory.stock_levels(session, [sku]))[sku]
    return level.on_hand, level.reserved


async def order_count(container: Container) -> int:
    async with container.db.session(write=False) as session:
        return int(await session.scalar(select(func.count(Order.id))) or 0)
