"""Carts: lines, flags, ownership, merge on login, addresses, shipping, discounts, expiry and
abandoned-cart reminders."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from mercato.accounts.models import User
from mercato.bootstrap import Container
from mercato.cart import service as cart_service
from mercato.cart.models import Cart
from mercato.catalog.models import Product
from mercato.discounts.models import DiscountCode
from mercato.platform.clock import utcnow
from mercato.platform.outbox import OutboxEvent
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import ADDRESS, API, checkout, expect, new_cart, ready_cart


async def _add(client: httpx.AsyncClient, cart_id: str, sku: str, qty: int, **kw: object) -> dict:
    return expect(
        await client.post(f"{API}/carts/{cart_id}/lines", json={"sku": sku, "quantity": qty}, **kw),
        201,
    )


async def test_lines_increment_and_totals_come_from_the_catalog(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1250, stock=10, skus=["C-1"])
    await create_product(container, price=300, stock=10, skus=["C-2"])
    cart_id = await new_cart(client)
    await _add(client, cart_id, "C-1", 2)
    await _add(client, cart_id, "C-2", 1)
    cart = await _add(client, cart_id, "C-1", 1)
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [("C-1", 3), ("C-2", 1)]
    assert cart["lines"][0]["line_total"] == {"amount": 3750, "currency": "EUR"}
    assert cart["subtotal"]["amount"] == 4050
    assert cart["item_count"] == 4
    assert cart["status"] == "open"


async def test_an_unavailable_product_is_flagged_not_dropped(
    client: httpx.AsyncClient, container: Container
) -> None:
    product = await create_product(container, price=1000, stock=2, skus=["GONE-1"])
    await create_product(container, price=500, stock=10, skus=["STAY-1"])
    cart_id = await ready_cart(client, {"GONE-1": 1, "STAY-1": 1})
    async with container.db.session() as session:
        await session.execute(
            update(Product).where(Product.id == product.id).values(status="archived")
        )
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    flagged = {line["sku"]: line["unavailable"] for line in cart["lines"]}
    assert flagged == {"GONE-1": True, "STAY-1": False}
    assert cart["subtotal"]["amount"] == 500  # unavailable lines are not charged
    assert {"code": "product_unavailable", "sku": "GONE-1"} in cart["problems"]
    response = await checkout(client, cart_id)
    assert response.status_code == 409
    assert response.json()["code"] == "product_unavailable"
    assert response.json()["skus"] == ["GONE-1"]
    adding = await client.post(
        f"{API}/carts/{cart_id}/lines", json={"sku": "GONE-1", "quantity": 1}
    )
    assert adding.status_code == 409


async def test_more_than_available_is_flagged(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=2, skus=["FEW-1"])
    cart_id = await new_cart(client)
    cart = await _add(client, cart_id, "FEW-1", 3)
    assert cart["lines"][0]["insufficient_stock"] is True
    assert cart["lines"][0]["available"] == 2


async def test_signed_in_customer_gets_back_the_open_cart(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = auth_headers(container, await create_user(container))
    first = await client.post(f"{API}/carts", headers=headers)
    second = await client.post(f"{API}/carts", headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["customer_id"] is not None


async def test_guest_cart_merges_into_the_customers_cart_on_login(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=50, skus=["M-1"])
    await create_product(container, price=200, stock=50, skus=["M-2"])
    user = await create_user(container)
    headers = auth_headers(container, user)
    mine = await new_cart(client, headers)
    await _add(client, mine, "M-1", 19, headers=headers)
    guest = await new_cart(client)
    await _add(client, guest, "M-1", 2)
    await _add(client, guest, "M-2", 1)
    expect(
        await client.put(
            f"{API}/carts/{guest}/address",
            json={"email": "guest@example.com", "shipping_address": ADDRESS},
        ),
        200,
    )
    merged = expect(await client.post(f"{API}/carts/{guest}/merge", headers=headers), 200)
    assert merged["id"] == mine
    quantities = {line["sku"]: line["quantity"] for line in merged["lines"]}
    assert quantities == {"M-1": 20, "M-2": 1}  # capped at the per-line limit
    assert merged["email"] == "guest@example.com"
    assert (await client.get(f"{API}/carts/{guest}")).status_code == 404
    # without a cart of their own, the customer adopts the guest cart
    other = await create_user(container)
    other_headers = auth_headers(container, other)
    guest2 = await new_cart(client)
    await _add(client, guest2, "M-2", 2)
    adopted = expect(await client.post(f"{API}/carts/{guest2}/merge", headers=other_headers), 200)
    assert adopted["id"] == guest2
    assert adopted["customer_id"] == str(other.id)
    assert (await client.get(f"{API}/carts/{guest2}")).status_code == 404  # now private


async def test_address_validation_rejects_and_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    cart_id = await new_cart(client)
    bad = [
        {**ADDRESS, "postal_code": "ABCDE"},
        {**ADDRESS, "country": "JP", "postal_code": "100-0001"},
        {**ADDRESS, "country": "US", "postal_code": "94103"},  # no state
        {**ADDRESS, "city": ""},
        {**ADDRESS, "line1": "x" * 500},
        {**ADDRESS, "extra": "field"},
        {**ADDRESS, "first_name": "Ada\r\nBcc: x@example.com"},  # one line, for emails and labels
        {**ADDRESS, "line1": "Hauptstraße 1\nFloor 2"},
        {**ADDRESS, "city": "Ber\u2028lin"},
    ]
    for address in bad:
        response = await client.put(
            f"{API}/carts/{cart_id}/address",
            json={"email": "a@example.com", "shipping_address": address},
        )
        assert response.status_code == 422, address
    response = await client.put(
        f"{API}/carts/{cart_id}/address",
        json={"email": "not-an-email", "shipping_address": ADDRESS},
    )
    assert response.status_code == 422
    response = await client.put(
        f"{API}/carts/{cart_id}/address",
        json={"email": "a@example.com", "shipping_address": ADDRESS, "same_as_shipping": False},
    )
    assert response.status_code == 422
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert cart["shipping_address"] is None
    assert cart["email"] is None


async def test_a_guest_email_that_could_not_register_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The checkout email follows registration's rule: a plain-ASCII local part of at most 64
    characters (422 `email_not_supported`), and the same normalisation."""
    cart_id = await new_cart(client)
    url = f"{API}/carts/{cart_id}/address"
    for email in ("a" * 65 + "@example.com", "jöe@example.com", "ad\u0430@example.com"):
        response = await client.put(url, json={"email": email, "shipping_address": ADDRESS})
        assert response.status_code == 422, (email, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "email_not_supported", email
        assert "before @" in response.json()["detail"]
        registered = await client.post(
            f"{API}/auth/register", json={"email": email, "password": "a long enough secret"}
        )
        assert registered.status_code == 422, (email, registered.text)
        assert registered.json()["code"] == "email_not_supported", email
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert (cart["email"], cart["shipping_address"]) == (None, None)
    longest = "a" * 64 + "@example.com"
    fullwidth = "\uff21\uff24\uff21@Example.com"  # full-width "ADA": the address it imitates
    for email, stored in ((longest, longest), (fullwidth, "ada@example.com")):
        response = await client.put(url, json={"email": email, "shipping_address": ADDRESS})
        assert expect(response, 200)["email"] == stored


async def test_separate_billing_address_and_shipping_methods(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=10, skus=["SH-1"], weight_grams=3000)
    cart_id = await new_cart(client)
    await _add(client, cart_id, "SH-1", 1)
    early = await client.get(f"{API}/carts/{cart_id}/shipping-options")
    assert early.status_code == 409
    assert early.json()["code"] == "address_required"
    billing = {**ADDRESS, "country": "GB", "postal_code": "sw1a 1aa", "city": "London"}
    cart = expect(
        await client.put(
            f"{API}/carts/{cart_id}/address",
            json={
                "email": "A@Example.com",
                "shipping_address": {**ADDRESS, "country": "FR", "postal_code": "75001"},
                "billing_address": billing,
                "same_as_shipping": False,
            },
        ),
        200,
    )
    assert cart["email"] == "a@example.com"
    assert cart["billing_address"]["postal_code"] == "SW1A 1AA"
    options = expect(await client.get(f"{API}/carts/{cart_id}/shipping-options"), 200)["items"]
    prices = {o["code"]: o["price"]["amount"] for o in options}
    assert prices == {"standard": 895, "heavy": 1195}  # weight-based: 3 kg bracket
    wrong = await client.put(f"{API}/carts/{cart_id}/shipping-method", json={"code": "express"})
    assert wrong.status_code == 422
    cart = expect(
        await client.put(f"{API}/carts/{cart_id}/shipping-method", json={"code": "heavy"}), 200
    )
    assert cart["shipping_total"]["amount"] == 1195
    assert cart["total"]["amount"] == 1000 + 1195


async def test_discount_code_rules(client: httpx.AsyncClient, container: Container) -> None:
    await create_product(container, price=1000, stock=10, skus=["D-1"])
    now = utcnow()
    async with container.db.session() as session:
        session.add_all(
            [
                DiscountCode(code="BIGSPEND", kind="fixed", value=500, min_subtotal=5000),
                DiscountCode(code="OLD", kind="percentage", value=10, ends_at=now),
                DiscountCode(
                    code="SOON", kind="percentage", value=10, starts_at=now + timedelta(days=1)
                ),
                DiscountCode(code="OFF", kind="percentage", value=10, active=False),
                DiscountCode(code="SHIPFREE", kind="free_shipping"),
            ]
        )
    cart_id = await ready_cart(client, {"D-1": 1})
    for code, expected in [
        ("NOPE", "invalid_discount_code"),
        ("BIGSPEND", "discount_min_spend"),
        ("OLD", "discount_not_active"),
        ("SOON", "discount_not_active"),
        ("OFF", "invalid_discount_code"),
    ]:
        response = await client.post(f"{API}/carts/{cart_id}/discount-codes", json={"code": code})
        assert response.status_code == 422, code
        assert response.json()["code"] == expected
    cart = expect(
        await client.post(f"{API}/carts/{cart_id}/discount-codes", json={"code": "shipfree"}), 200
    )
    assert cart["discount_code"] == "SHIPFREE"
    assert cart["shipping_total"]["amount"] == 0
    assert cart["total"]["amount"] == 1000
    cart = expect(await client.delete(f"{API}/carts/{cart_id}/discount-codes"), 200)
    assert cart["discount_code"] is None
    assert cart["shipping_total"]["amount"] == 495


async def test_unknown_discount_codes_are_throttled_per_address(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Guessing codes: past `discount_misses_per_ip` unknown codes from one address every code is
    a 429 for the window; a known code refused for its own reasons is no miss."""
    await create_product(container, price=1000, stock=10, skus=["G-1"])
    async with container.db.session() as session:
        session.add_all(
            [
                DiscountCode(code="REAL10", kind="percentage", value=10),
                DiscountCode(code="BIGSPEND", kind="fixed", value=500, min_subtotal=5000),
            ]
        )
    cart_id = await ready_cart(client, {"G-1": 1})
    url = f"{API}/carts/{cart_id}/discount-codes"
    limit = container.settings.checkout.discount_misses_per_ip
    for attempt in range(limit):
        if attempt % 10 == 0:  # known codes refused for their own reasons do not count
            refused = await client.post(url, json={"code": "BIGSPEND"})
            assert refused.json()["code"] == "discount_min_spend", refused.text
        guess = await client.post(url, json={"code": f"GUESS{attempt:03d}"})
        assert guess.status_code == 422, guess.text
        assert guess.json()["code"] == "invalid_discount_code"
    for code in ("GUESS999", "REAL10"):
        throttled = await client.post(url, json={"code": code})
        assert throttled.status_code == 429, throttled.text
        assert throttled.json()["code"] == "rate_limited"
        assert int(throttled.headers["retry-after"]) > 0
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert cart["discount_code"] is None


async def test_expired_carts_are_gone_and_purged(
    client: httpx.AsyncClient, container: Container
) -> None:
    old = await new_cart(client)
    fresh = await new_cart(client)
    async with container.db.session() as session:
        await session.execute(
            update(Cart)
            .where(Cart.id == uuid.UUID(old))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await client.get(f"{API}/carts/{old}")).status_code == 404
    assert await cart_service.purge_expired_carts(container) == 1
    assert await cart_service.purge_expired_carts(container) == 0
    assert (await client.get(f"{API}/carts/{fresh}")).status_code == 200


async def test_every_change_extends_the_expiry(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=10, skus=["EXP-1"])
    cart_id = await new_cart(client)
    async with container.db.session() as session:
        soon = utcnow() + timedelta(hours=1)
        await session.execute(
            update(Cart).where(Cart.id == uuid.UUID(cart_id)).values(expires_at=soon)
        )
    cart = await _add(client, cart_id, "EXP-1", 1)
    assert cart["expires_at"] > (utcnow() + timedelta(days=29)).isoformat()


async def test_abandoned_cart_reminders_only_for_opted_in_customers_and_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=10, skus=["AB-1"])
    keen = await create_user(container, full_name="Keen Shopper")
    shy = await create_user(container)
    async with container.db.session() as session:
        await session.execute(update(User).where(User.id == keen.id).values(marketing_consent=True))
    for user in (keen, shy):
        headers = auth_headers(container, user)
        await _add(client, await new_cart(client, headers), "AB-1", 2, headers=headers)
    guest = await new_cart(client)
    await _add(client, guest, "AB-1", 1)
    assert await cart_service.send_abandoned_cart_reminders(container) == 0  # not idle yet
    async with container.db.session() as session:
        await session.execute(update(Cart).values(updated_at=utcnow() - timedelta(days=2)))
    assert await cart_service.send_abandoned_cart_reminders(container) == 1
    assert await cart_service.send_abandoned_cart_reminders(container) == 0
    async with container.db.session(write=False) as session:
        events = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.event_type == "AbandonedCartReminder")
            )
        ).all()
    assert len(events) == 1
    payload = events[0].payload
    assert payload["email"] == keen.email
    assert payload["lines"][0]["quantity"] == 2
    assert payload["cart_url"].endswith(payload["cart_id"])
