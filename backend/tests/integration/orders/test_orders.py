"""Orders: numbers, owner and admin views, fulfilment, cancellation, expiry of unpaid orders,
and the idempotent payment outcomes the payments module calls."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from mercato.bootstrap import Container
from mercato.cart import service as cart_service
from mercato.cart.models import Cart
from mercato.orders import service as orders
from mercato.orders.models import Order
from mercato.platform.clock import utcnow
from mercato.platform.outbox import OutboxEvent
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import (
    API,
    checkout,
    expect,
    get_order,
    pay,
    ready_cart,
    stock,
)


async def _place(client: httpx.AsyncClient, lines: dict[str, int], **kw: Any) -> dict[str, Any]:
    headers = kw.pop("headers", None)
    cart_id = await ready_cart(client, lines, headers=headers, **kw)
    return expect(await checkout(client, cart_id, headers=headers), 201)


async def _events(container: Container, event_type: str) -> list[dict[str, Any]]:
    async with container.db.session(write=False) as session:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == event_type)
            .order_by(OutboxEvent.created_at)
        )
        return [row.payload for row in rows]


async def _staff(container: Container) -> dict[str, str]:
    return auth_headers(container, await create_user(container, role="staff"))


async def test_numbers_are_sequential_and_order_placed_is_recorded(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=10, skus=["N-1"])
    numbers = [(await _place(client, {"N-1": 1}))["number"] for _ in range(3)]
    assert numbers == ["MC-10001", "MC-10002", "MC-10003"]
    placed = await _events(container, "OrderPlaced")
    assert [e["order_number"] for e in placed] == numbers
    event = placed[0]
    assert event["lines"][0]["sku"] == "N-1"
    assert event["total"] == 1000 + 495
    assert "token=" in event["order_url"]


async def test_customer_lists_own_orders_with_cursor_pagination(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=10, skus=["P-1"])
    headers = auth_headers(container, await create_user(container))
    ids = [(await _place(client, {"P-1": 1}, headers=headers))["id"] for _ in range(3)]
    page = expect(await client.get(f"{API}/orders", params={"limit": 2}, headers=headers), 200)
    assert [o["id"] for o in page["items"]] == ids[::-1][:2]
    rest = expect(
        await client.get(
            f"{API}/orders", params={"limit": 2, "cursor": page["next_cursor"]}, headers=headers
        ),
        200,
    )
    assert [o["id"] for o in rest["items"]] == ids[:1]
    assert rest["next_cursor"] is None
    bad = await client.get(f"{API}/orders", params={"cursor": "!!!"}, headers=headers)
    assert bad.status_code == 422
    assert (await client.get(f"{API}/orders")).status_code == 401
    shipments = await client.get(f"{API}/orders/{ids[0]}/shipments", headers=headers)
    assert shipments.json() == {"items": [], "next_cursor": None}


async def test_admin_fulfils_in_parts_ships_and_delivers(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=10, skus=["F-1"])
    await create_product(container, price=700, stock=10, skus=["F-2"])
    staff = await _staff(container)
    placed = await _place(client, {"F-1": 2, "F-2": 1}, email="ful@example.com")
    order_id = placed["id"]
    early = await client.post(f"{API}/admin/orders/{order_id}/fulfil", headers=staff)
    assert early.status_code == 409
    assert early.json()["code"] == "invalid_transition"
    await pay(client, placed)
    line_f1 = next(line for line in placed["lines"] if line["sku"] == "F-1")
    partial = expect(
        await client.post(
            f"{API}/admin/orders/{order_id}/fulfil",
            json={"items": [{"line_id": line_f1["id"], "quantity": 1}]},
            headers=staff,
        ),
        200,
    )
    assert partial["status"] == "partially_fulfilled"
    over = await client.post(
        f"{API}/admin/orders/{order_id}/fulfil",
        json={"items": [{"line_id": line_f1["id"], "quantity": 2}]},
        headers=staff,
    )
    assert over.status_code == 409
    stranger = await client.post(
        f"{API}/admin/orders/{order_id}/fulfil",
        json={"items": [{"line_id": str(uuid.uuid4()), "quantity": 1}]},
        headers=staff,
    )
    assert stranger.status_code == 422
    assert (
        await client.post(f"{API}/admin/orders/{order_id}/deliver", headers=staff)
    ).status_code == 409
    full = expect(await client.post(f"{API}/admin/orders/{order_id}/fulfil", headers=staff), 200)
    assert full["status"] == "fulfilled"
    assert all(line["quantity_fulfilled"] == line["quantity"] for line in full["lines"])
    shipped = expect(
        await client.post(
            f"{API}/admin/orders/{order_id}/ship",
            json={"carrier": "dhl", "tracking_number": "JJD000"},
            headers=staff,
        ),
        200,
    )
    assert shipped["status"] == "shipped"
    delivered = expect(
        await client.post(f"{API}/admin/orders/{order_id}/deliver", headers=staff), 200
    )
    noted = expect(
        await client.post(
            f"{API}/admin/orders/{order_id}/notes", json={"note": "Left at door"}, headers=staff
        ),
        200,
    )
    assert delivered["status"] == "delivered"
    history = [(h["kind"], h["to_status"], h["note"]) for h in noted["history"]]
    assert history == [
        ("status", "pending_payment", None),
        ("status", "paid", None),
        ("status", "partially_fulfilled", None),
        ("status", "fulfilled", None),
        ("status", "shipped", None),
        ("status", "delivered", None),
        ("note", None, "Left at door"),
    ]
    assert all(h["actor"].startswith(("staff:", "payment:", "checkout")) for h in noted["history"])
    listed = expect(
        await client.get(
            f"{API}/admin/orders",
            params={"status": "delivered", "email": "FUL@example.com"},
            headers=staff,
        ),
        200,
    )
    assert [o["id"] for o in listed["items"]] == [order_id]
    none = expect(
        await client.get(f"{API}/admin/orders", params={"status": "paid"}, headers=staff), 200
    )
    assert none["items"] == []
    window = expect(
        await client.get(
            f"{API}/admin/orders",
            params={"created_from": (utcnow() + timedelta(hours=1)).isoformat()},
            headers=staff,
        ),
        200,
    )
    assert window["items"] == []


async def test_admin_routes_need_staff(client: httpx.AsyncClient, container: Container) -> None:
    customer = auth_headers(container, await create_user(container))
    some_id = uuid.uuid4()
    assert (await client.get(f"{API}/admin/orders")).status_code == 401
    assert (await client.get(f"{API}/admin/orders", headers=customer)).status_code == 403
    assert (
        await client.post(f"{API}/admin/orders/{some_id}/refund", headers=customer)
    ).status_code == 403
    assert (
        await client.post(
            f"{API}/admin/discounts", json={"code": "HACK", "kind": "fixed", "value": 1}
        )
    ).status_code == 401
    staff = await _staff(container)
    assert (await client.get(f"{API}/admin/orders/{some_id}", headers=staff)).status_code == 404
    bad_status = await client.get(f"{API}/admin/orders", params={"status": "x"}, headers=staff)
    assert bad_status.status_code == 422


async def test_admin_cancel_releases_stock_and_voids_the_payment(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=3, skus=["X-1"])
    staff = await _staff(container)
    placed = await _place(client, {"X-1": 2})
    assert await stock(container, "X-1") == (3, 2)
    cancelled = expect(
        await client.post(
            f"{API}/admin/orders/{placed['id']}/cancel",
            json={"reason": "fraud_suspected"},
            headers=staff,
        ),
        200,
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "fraud_suspected"
    assert cancelled["payment"]["status"] == "canceled"
    assert await stock(container, "X-1") == (3, 0)
    again = await client.post(f"{API}/admin/orders/{placed['id']}/cancel", headers=staff)
    assert again.status_code == 409
    assert [e["reason"] for e in await _events(container, "OrderCancelled")] == ["fraud_suspected"]


async def test_admin_cancels_a_paid_order_with_a_full_refund_and_restock(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=3, skus=["X-2"])
    staff = await _staff(container)
    placed = await _place(client, {"X-2": 1})
    await pay(client, placed)
    assert await stock(container, "X-2") == (2, 0)
    cancelled = expect(
        await client.post(f"{API}/admin/orders/{placed['id']}/cancel", headers=staff), 200
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["amount_refunded"]["amount"] == placed["total"]["amount"]
    assert await stock(container, "X-2") == (3, 0)


async def test_guest_cancels_an_unpaid_order_but_not_a_paid_one(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=3, skus=["X-3"])
    first = await _place(client, {"X-3": 1})
    token = {"token": first["order_token"]}
    assert (await client.post(f"{API}/orders/{first['id']}/cancel")).status_code == 404
    cancelled = expect(await client.post(f"{API}/orders/{first['id']}/cancel", params=token), 200)
    assert cancelled["status"] == "cancelled"
    second = await _place(client, {"X-3": 1})
    await pay(client, second)
    paid = await client.post(
        f"{API}/orders/{second['id']}/cancel", params={"token": second["order_token"]}
    )
    assert paid.status_code == 409
    assert (await get_order(client, second))["status"] == "paid"


async def test_unpaid_orders_expire_and_release_stock(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=2, skus=["E-1"])
    old = await _place(client, {"E-1": 1})
    new = await _place(client, {"E-1": 1})
    async with container.db.session() as session:
        await session.execute(
            update(Order)
            .where(Order.id == uuid.UUID(old["id"]))
            .values(created_at=utcnow() - timedelta(hours=2))
        )
    assert await orders.expire_unpaid_orders(container) == 1
    assert await orders.expire_unpaid_orders(container) == 0
    expired = await get_order(client, old)
    assert (expired["status"], expired["cancel_reason"]) == ("cancelled", "expired")
    assert (await get_order(client, new))["status"] == "pending_payment"
    assert await stock(container, "E-1") == (2, 1)


async def test_late_payment_after_expiry_is_never_accepted_even_with_stock(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=1, skus=["L-1"])
    placed = await _place(client, {"L-1": 1})
    order_id = uuid.UUID(placed["id"])
    async with container.db.session() as session:
        await session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(created_at=utcnow() - timedelta(days=1))
        )
    assert await orders.expire_unpaid_orders(container) == 1
    async with container.db.session() as session:
        await orders.apply_payment_succeeded(
            session,
            order_id=order_id,
            amount=placed["total"]["amount"],
            provider="t",
            reference="r1",
        )
    order = expect(
        await client.get(f"{API}/admin/orders/{order_id}", headers=await _staff(container)), 200
    )
    assert (order["status"], order["cancel_reason"]) == ("cancelled", "expired")
    assert order["amount_paid"]["amount"] == placed["total"]["amount"]  # to be returned
    assert [h["data"].get("needs_refund") for h in order["history"] if h["kind"] == "payment"] == [
        True
    ]
    assert await stock(container, "L-1") == (1, 0)  # the stock stays released
    assert await _events(container, "PaymentSucceeded") == []


async def test_late_payment_without_stock_stays_cancelled_and_is_marked_for_refund(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=1, skus=["L-2"])
    placed = await _place(client, {"L-2": 1})
    order_id = uuid.UUID(placed["id"])
    async with container.db.session() as session:
        await session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(created_at=utcnow() - timedelta(days=1))
        )
    assert await orders.expire_unpaid_orders(container) == 1
    other = await _place(client, {"L-2": 1})  # someone else buys the last unit
    await pay(client, other)
    amount = placed["total"]["amount"]
    for _ in range(2):
        async with container.db.session() as session:
            await orders.apply_payment_succeeded(
                session, order_id=order_id, amount=amount, provider="t", reference="late"
            )
    staff = await _staff(container)
    order = expect(await client.get(f"{API}/admin/orders/{order_id}", headers=staff), 200)
    assert order["status"] == "cancelled"
    assert order["amount_paid"]["amount"] == amount
    assert [h["data"].get("needs_refund") for h in order["history"] if h["kind"] == "payment"] == [
        True
    ]
    assert await stock(container, "L-2") == (0, 0)
    async with container.db.session() as session:
        await orders.apply_refund(
            session, order_id=order_id, amount=amount, provider="t", reference="re_late"
        )
    order = expect(await client.get(f"{API}/admin/orders/{order_id}", headers=staff), 200)
    assert (order["status"], order["amount_refunded"]["amount"]) == ("cancelled", amount)


async def test_payment_outcomes_are_idempotent(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=5, skus=["I-1"])
    placed = await _place(client, {"I-1": 2})
    order_id = uuid.UUID(placed["id"])
    total = placed["total"]["amount"]
    for _ in range(3):
        async with container.db.session() as session:
            await orders.apply_payment_succeeded(
                session, order_id=order_id, amount=total, provider="t", reference="pi_1"
            )
            await orders.apply_payment_failed(session, order_id=order_id, reason="late failure")
    assert await stock(container, "I-1") == (3, 0)
    for _ in range(2):
        async with container.db.session() as session:
            await orders.apply_refund(
                session, order_id=order_id, amount=500, provider="t", reference="re_1"
            )
    async with container.db.session() as session:
        info = await orders.get_order_payment_info(session, order_id)
        assert (info.status, info.total, info.order_number) == (
            "partially_refunded",
            total,
            placed["number"],
        )
        assert (
            await session.scalar(
                select(func.count(OutboxEvent.id)).where(
                    OutboxEvent.event_type.in_(
                        ["PaymentSucceeded", "RefundIssued", "PaymentFailed"]
                    )
                )
            )
            == 2
        )


async def test_orders_in_personal_data_export_and_scrubbed_on_account_closure(
    client: httpx.AsyncClient, container: Container
) -> None:
    # other suites may swap the hooks for stand-ins; make sure the real ones are in place
    orders.register_account_hooks()
    cart_service.register_account_hooks()
    await create_product(container, price=1000, stock=5, skus=["G-1"])
    user = await create_user(container)
    headers = auth_headers(container, user)
    placed = await _place(client, {"G-1": 1}, headers=headers, email="gdpr@example.com")
    open_cart = expect(await client.post(f"{API}/carts", headers=headers), 201)["id"]
    exported = expect(await client.get(f"{API}/me/export", headers=headers), 200)
    assert [o["number"] for o in exported["orders"]] == [placed["number"]]
    assert (await client.delete(f"{API}/me", headers=headers)).status_code == 204
    staff = await _staff(container)
    order = expect(await client.get(f"{API}/admin/orders/{placed['id']}", headers=staff), 200)
    assert order["email"] == f"deleted-{user.id}@invalid"
    assert order["customer_name"] == ""
    assert order["shipping_address"] == {"country": "DE", "postal_code": "10117"}
    assert order["total"] == placed["total"]  # the accounting record stays
    async with container.db.session(write=False) as session:
        assert await session.get(Cart, uuid.UUID(open_cart)) is None
