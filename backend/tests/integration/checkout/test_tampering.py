"""Tampering: client-sent prices, absurd quantities and other customers' carts and orders."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from mercato.bootstrap import Container
from mercato.cart.models import Cart
from mercato.platform.clock import utcnow
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import (
    ADDRESS,
    API,
    checkout,
    expect,
    new_cart,
    order_count,
    ready_cart,
    stock,
)


@pytest.mark.parametrize(
    "body",
    [
        {"sku": "TAMPER-1", "quantity": 1, "price": 1},
        {"sku": "TAMPER-1", "quantity": 1, "unit_price": {"amount": 1, "currency": "EUR"}},
        {"sku": "TAMPER-1", "quantity": -1},
        {"sku": "TAMPER-1", "quantity": 0},
        {"sku": "TAMPER-1", "quantity": 10**9},
        {"sku": "TAMPER-1", "quantity": 21},  # over the per-line cap (20)
        {"sku": "TAMPER-1", "quantity": "lots"},
        {"sku": "", "quantity": 1},
        {"sku": "NO-SUCH-SKU", "quantity": 1},
    ],
)
async def test_tampered_lines_are_422_and_change_nothing(
    client: httpx.AsyncClient, container: Container, body: dict[str, object]
) -> None:
    await create_product(container, price=1999, stock=50, skus=["TAMPER-1"])
    cart_id = await new_cart(client)
    response = await client.post(f"{API}/carts/{cart_id}/lines", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert cart["lines"] == []


async def test_the_server_price_always_wins(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1999, stock=50, skus=["PRICE-1"])
    cart_id = await ready_cart(client, {"PRICE-1": 2})
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert cart["lines"][0]["unit_price"] == {"amount": 1999, "currency": "EUR"}
    tampered = await client.post(
        f"{API}/checkout",
        json={"cart_id": cart_id, "total": {"amount": 1, "currency": "EUR"}},
        headers={"Idempotency-Key": "tamper-total"},
    )
    assert tampered.status_code == 422
    placed = expect(await checkout(client, cart_id), 201)
    assert placed["subtotal"]["amount"] == 3998
    assert placed["lines"][0]["unit_price"]["amount"] == 1999


async def test_quantity_patch_limits(client: httpx.AsyncClient, container: Container) -> None:
    await create_product(container, price=500, stock=50, skus=["PATCH-1"])
    cart_id = await new_cart(client)
    cart = expect(
        await client.post(f"{API}/carts/{cart_id}/lines", json={"sku": "PATCH-1", "quantity": 2}),
        201,
    )
    line_id = cart["lines"][0]["id"]
    for quantity in (-1, 0, 21, 10**9):
        response = await client.patch(
            f"{API}/carts/{cart_id}/lines/{line_id}", json={"quantity": quantity}
        )
        assert response.status_code == 422, quantity
    cart = expect(
        await client.patch(f"{API}/carts/{cart_id}/lines/{line_id}", json={"quantity": 5}), 200
    )
    assert cart["lines"][0]["quantity"] == 5
    cart = expect(await client.delete(f"{API}/carts/{cart_id}/lines/{line_id}"), 200)
    assert cart["lines"] == []


async def test_another_customers_cart_is_404_everywhere(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=500, stock=50, skus=["OWN-1"])
    alice = auth_headers(container, await create_user(container))
    bob = auth_headers(container, await create_user(container))
    cart_id = await ready_cart(client, {"OWN-1": 1}, headers=alice)
    line_id = expect(await client.get(f"{API}/carts/{cart_id}", headers=alice), 200)["lines"][0][
        "id"
    ]
    for headers in (bob, {}):
        attempts = [
            await client.get(f"{API}/carts/{cart_id}", headers=headers),
            await client.post(
                f"{API}/carts/{cart_id}/lines",
                json={"sku": "OWN-1", "quantity": 1},
                headers=headers,
            ),
            await client.patch(
                f"{API}/carts/{cart_id}/lines/{line_id}", json={"quantity": 3}, headers=headers
            ),
            await client.delete(f"{API}/carts/{cart_id}/lines/{line_id}", headers=headers),
            await client.put(
                f"{API}/carts/{cart_id}/address",
                json={"email": "x@example.com", "shipping_address": ADDRESS},
                headers=headers,
            ),
            await client.get(f"{API}/carts/{cart_id}/shipping-options", headers=headers),
            await client.post(f"{API}/carts/{cart_id}/merge", headers=headers),
            await checkout(client, cart_id, headers=headers),
        ]
        statuses = [r.status_code for r in attempts]
        # the merge endpoint needs a signed-in customer: anonymous callers get 401
        expected = [404] * 6 + [404 if headers else 401, 404]
        assert statuses == expected, statuses
    cart = expect(await client.get(f"{API}/carts/{cart_id}", headers=alice), 200)
    assert cart["lines"][0]["quantity"] == 1
    assert await order_count(container) == 0
    assert await stock(container, "OWN-1") == (50, 0)


async def test_another_customers_order_is_404(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=500, stock=50, skus=["OWN-2"])
    alice = auth_headers(container, await create_user(container))
    bob = auth_headers(container, await create_user(container))
    placed = expect(
        await checkout(
            client, await ready_cart(client, {"OWN-2": 1}, headers=alice), headers=alice
        ),
        201,
    )
    order_id = placed["id"]
    assert (await client.get(f"{API}/orders/{order_id}", headers=alice)).status_code == 200
    assert (await client.get(f"{API}/orders/{order_id}", headers=bob)).status_code == 404
    assert (await client.get(f"{API}/orders/{order_id}")).status_code == 404
    assert (
        await client.get(f"{API}/orders/{order_id}", params={"token": "forged"})
    ).status_code == 404
    assert (await client.post(f"{API}/orders/{order_id}/cancel", headers=bob)).status_code == 404
    assert (await client.get(f"{API}/orders", headers=bob)).json()["items"] == []
    mine = expect(await client.get(f"{API}/orders", headers=alice), 200)
    assert [o["id"] for o in mine["items"]] == [order_id]
    # the order is untouched
    order = expect(await client.get(f"{API}/orders/{order_id}", headers=alice), 200)
    assert order["status"] == "pending_payment"


async def test_an_expired_cart_is_404_at_checkout_and_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The cart's claim is one conditional UPDATE (open, unexpired, the caller's): an expired
    cart matches nothing and is answered like a missing one, with no stock reserved."""
    await create_product(container, price=500, stock=5, skus=["OLD-1"])
    cart_id = await ready_cart(client, {"OLD-1": 1})
    async with container.db.session() as session:
        await session.execute(
            update(Cart)
            .where(Cart.id == uuid.UUID(cart_id))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    answer = await checkout(client, cart_id)
    assert (answer.status_code, answer.json()["code"]) == (404, "cart_not_found")
    assert await order_count(container) == 0
    assert await stock(container, "OLD-1") == (5, 0)
    async with container.db.session(write=False) as session:
        assert await session.scalar(select(Cart.status).where(Cart.id == uuid.UUID(cart_id))) == (
            "open"
        )
