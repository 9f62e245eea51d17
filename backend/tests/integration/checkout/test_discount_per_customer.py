"""A code's per-customer limit counts a person's uses however they check out: as a guest with
their email, signed in, signed in with another order email, or with a `+tag` address."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mercato.bootstrap import Container
from mercato.discounts.models import DiscountCode, DiscountRedemption
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import API, checkout, expect, ready_cart

CODE = "ONEEACH"


@pytest.fixture
async def once_each(container: Container) -> None:
    await create_product(container, price=2000, stock=100, skus=["PER-1"])
    async with container.db.session() as session:
        session.add(
            DiscountCode(code=CODE, kind="fixed", value=500, currency="EUR", per_customer_limit=1)
        )


async def _buy_with_code(
    client: httpx.AsyncClient, email: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A cart with the code applied, then its checkout: the refusal may come at either step."""
    cart_id = await ready_cart(client, {"PER-1": 1}, email=email, headers=headers)
    applied = await client.post(
        f"{API}/carts/{cart_id}/discount-codes", json={"code": CODE}, headers=headers or {}
    )
    if applied.status_code != 200:
        return applied
    return await checkout(client, cart_id, headers=headers)


async def _uses(container: Container) -> int:
    async with container.db.session(write=False) as session:
        return int(await session.scalar(select(func.count(DiscountRedemption.id))) or 0)


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "discount_customer_limit"


async def _customer(container: Container, email: str) -> dict[str, str]:
    return auth_headers(container, await create_user(container, email=email))


@pytest.mark.usefixtures("once_each")
async def test_a_guest_use_counts_when_the_same_person_signs_in(
    client: httpx.AsyncClient, container: Container
) -> None:
    email = f"ann-{uuid.uuid4().hex[:6]}@example.com"
    placed: dict[str, Any] = expect(await _buy_with_code(client, email), 201)
    assert placed["discount_total"]["amount"] == 500

    signed_in = await _customer(container, email)
    _refused(await _buy_with_code(client, email, signed_in))
    _refused(await _buy_with_code(client, f"elsewhere-{email}", signed_in))  # the account's email
    assert await _uses(container) == 1


@pytest.mark.usefixtures("once_each")
async def test_a_signed_in_use_counts_for_a_guest_with_the_account_email(
    client: httpx.AsyncClient, container: Container
) -> None:
    email = f"bob-{uuid.uuid4().hex[:6]}@example.com"
    signed_in = await _customer(container, email)
    expect(await _buy_with_code(client, f"gift-{email}", signed_in), 201)  # another order email

    _refused(await _buy_with_code(client, email.upper()))  # the account's address, as a guest
    _refused(await _buy_with_code(client, f"gift-{email}"))  # the order's address, as a guest
    assert await _uses(container) == 1


@pytest.mark.usefixtures("once_each")
async def test_a_plus_address_is_the_same_mailbox(client: httpx.AsyncClient) -> None:
    local = f"cy-{uuid.uuid4().hex[:6]}"
    expect(await _buy_with_code(client, f"{local}@example.com"), 201)
    _refused(await _buy_with_code(client, f"{local}+again@example.com"))
    _refused(await _buy_with_code(client, f"{local.upper()}+x@EXAMPLE.com"))


@pytest.mark.usefixtures("once_each")
async def test_other_people_still_get_their_use(
    client: httpx.AsyncClient, container: Container
) -> None:
    expect(await _buy_with_code(client, f"dee-{uuid.uuid4().hex[:6]}@example.com"), 201)
    expect(await _buy_with_code(client, f"eve-{uuid.uuid4().hex[:6]}@example.com"), 201)
    someone = await _customer(container, f"fay-{uuid.uuid4().hex[:6]}@example.com")
    order_email = f"fay-order-{uuid.uuid4().hex[:6]}@example.com"
    expect(await _buy_with_code(client, order_email, someone), 201)
    assert await _uses(container) == 3


@pytest.mark.usefixtures("once_each")
async def test_closing_the_account_forgets_the_email_of_its_uses(
    client: httpx.AsyncClient, container: Container
) -> None:
    email = f"gus-{uuid.uuid4().hex[:6]}@example.com"
    signed_in = await _customer(container, email)
    expect(await _buy_with_code(client, email, signed_in), 201)
    guest = f"hal-{uuid.uuid4().hex[:6]}@example.com"
    expect(await _buy_with_code(client, guest), 201)

    assert (await client.delete(f"{API}/me", headers=signed_in)).status_code == 204

    async with container.db.session(write=False) as session:
        rows = await session.execute(
            select(DiscountRedemption.customer_key, DiscountRedemption.customer_email)
        )
        stored = dict(rows.all())
    account_key = next(key for key in stored if key.startswith("user:"))
    assert stored == {f"email:{guest}": guest, account_key: None}


async def test_a_free_shipping_use_records_the_shipping_it_waived(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=6000, stock=5, skus=["SHIPFREE-1"])
    async with container.db.session() as session:
        session.add(DiscountCode(code="SHIPFREE", kind="free_shipping", value=0, currency="EUR"))
    cart_id = await ready_cart(client, {"SHIPFREE-1": 1}, method="express")
    applied = await client.post(f"{API}/carts/{cart_id}/discount-codes", json={"code": "SHIPFREE"})
    expect(applied, 200)
    placed = expect(await checkout(client, cart_id), 201)
    assert placed["shipping_total"]["amount"] == 0
    waived = placed["shipping_method"]["price"]
    assert waived > 0
    async with container.db.session(write=False) as session:
        assert await session.scalar(select(DiscountRedemption.amount)) == waived
    admin = auth_headers(container, await create_user(container, role="admin"))
    async with container.db.session(write=False) as session:
        code_id = await session.scalar(
            select(DiscountCode.id).where(DiscountCode.code == "SHIPFREE")
        )
    usage = expect(await client.get(f"{API}/admin/discounts/{code_id}/usage", headers=admin), 200)
    assert usage["total_discounted"] == waived


@pytest.mark.usefixtures("once_each")
async def test_an_ordered_cart_still_shows_the_discount_its_own_order_used(
    client: httpx.AsyncClient, container: Container
) -> None:
    """After a declined payment the shopper reopens the checkout: the cart, now ordered, is priced
    as its order was (its own use of a one-per-customer, one-use code does not count against it)."""
    async with container.db.session() as session:
        code = await session.scalar(select(DiscountCode).where(DiscountCode.code == CODE))
        assert code is not None
        code.usage_limit = 1
    email = f"cy-{uuid.uuid4().hex[:6]}@example.com"
    cart_id = await ready_cart(client, {"PER-1": 1}, email=email)
    expect(await client.post(f"{API}/carts/{cart_id}/discount-codes", json={"code": CODE}), 200)
    placed: dict[str, Any] = expect(await checkout(client, cart_id), 201)
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert cart["order_id"] == placed["id"]
    assert cart["discount_total"]["amount"] == 500
    assert cart["total"] == placed["total"]
    assert not [p for p in cart.get("problems", []) if "discount" in p["code"]]

    again = await _buy_with_code(client, email)  # another cart (of the same person) still is
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "discount_exhausted"
