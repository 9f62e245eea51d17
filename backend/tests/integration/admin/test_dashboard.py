"""The admin API the dashboard needs: overview aggregates, customers, stock list, discounts,
order filters, the payment ledger and resending the confirmation."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from mercato.bootstrap import Container
from mercato.platform.outbox import OutboxEvent
from tests.factories import auth_headers, create_product, create_user
from tests.integration.accounts.conftest import login
from tests.integration.checkout.helpers import (
    API,
    DECLINE_CARD,
    checkout,
    expect,
    pay,
    ready_cart,
)


async def _place(client: httpx.AsyncClient, lines: dict[str, int], **kw: Any) -> dict[str, Any]:
    headers = kw.pop("headers", None)
    cart_id = await ready_cart(client, lines, headers=headers, **kw)
    return expect(await checkout(client, cart_id, headers=headers), 201)


async def _outbox(container: Container, event_type: str) -> list[dict[str, Any]]:
    async with container.db.session(write=False) as session:
        rows = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == event_type)
        )
        return [row.payload for row in rows]


async def test_overview_counts_sales_attention_items_and_is_cached(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=20, skus=["OV-1"])
    await create_product(container, price=500, stock=2, skus=["OV-LOW"])
    staff = auth_headers(container, await create_user(container, role="staff"))

    paid = await _place(client, {"OV-1": 2})
    await pay(client, paid)
    declined = await _place(client, {"OV-1": 1})
    await client.post(
        f"{API}/payments/sandbox/intents/{declined['payment']['intent_id']}/confirm",
        json={
            "client_secret": declined["payment"]["client_secret"],
            "card_number": DECLINE_CARD,
            "exp_month": 12,
            "exp_year": 2099,
            "cvc": "123",
        },
    )
    overview = expect(await client.get(f"{API}/admin/overview", headers=staff), 200)
    assert overview["today"]["orders"] == 1
    assert overview["today"]["revenue"] == {"amount": paid["total"]["amount"], "currency": "EUR"}
    assert overview["week"] == overview["today"]
    assert len(overview["series"]) == container.settings.admin.overview_days
    assert overview["series"][-1]["orders"] == 1
    assert sum(p["orders"] for p in overview["series"]) == 1
    assert overview["awaiting_fulfilment"] == 1
    assert overview["failed_payments_today"] >= 1
    assert overview["dead_letters"] == 0
    low = {item["sku"]: item for item in overview["low_stock"]["items"]}
    assert low["OV-LOW"]["available"] == 2
    assert low["OV-LOW"]["product_title"]
    assert "OV-1" not in low  # 20 - 2 sold - 1 reserved: plenty

    # cached: a second paid order shows only once the cache entry expires or is dropped
    second = await _place(client, {"OV-1": 1})
    await pay(client, second)
    again = expect(await client.get(f"{API}/admin/overview", headers=staff), 200)
    assert again == overview
    await container.cache.delete("admin:overview:v1")
    fresh = expect(await client.get(f"{API}/admin/overview", headers=staff), 200)
    assert fresh["today"]["orders"] == 2
    assert fresh["awaiting_fulfilment"] == 2


async def test_customer_detail_search_and_disable_blocks_sign_in_and_refresh(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1200, stock=10, skus=["CU-1"])
    admin = auth_headers(container, await create_user(container, role="admin"))
    staff = auth_headers(container, await create_user(container, role="staff"))
    shopper = await create_user(container, email="ada@example.com", full_name="Ada Lovelace")
    placed = await _place(
        client, {"CU-1": 1}, headers=auth_headers(container, shopper), email="ada@example.com"
    )
    await pay(client, placed)

    found = expect(await client.get(f"{API}/admin/customers?q=lovelace", headers=staff), 200)
    assert [c["email"] for c in found["items"]] == ["ada@example.com"]
    detail = expect(await client.get(f"{API}/admin/customers/{shopper.id}", headers=staff), 200)
    assert detail["order_count"] == 1
    assert detail["total_spent"]["amount"] == placed["total"]["amount"]
    assert [o["id"] for o in detail["orders"]] == [placed["id"]]
    missing = await client.get(f"{API}/admin/customers/{placed['id']}", headers=staff)
    assert missing.status_code == 404

    tokens = expect(await login(client, "ada@example.com"), 200)
    # staff cannot disable (admins only), admins can
    refused = await client.patch(
        f"{API}/admin/customers/{shopper.id}", json={"is_active": False}, headers=staff
    )
    assert refused.status_code == 403
    expect(
        await client.patch(
            f"{API}/admin/customers/{shopper.id}", json={"is_active": False}, headers=admin
        ),
        200,
    )
    assert (await login(client, "ada@example.com")).status_code in (401, 403)
    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    expect(
        await client.patch(
            f"{API}/admin/customers/{shopper.id}", json={"is_active": True}, headers=admin
        ),
        200,
    )
    expect(await login(client, "ada@example.com"), 200)


async def test_stock_list_pages_by_sku_and_filters_low_stock(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(
        container, stock={"INV-A": 1, "INV-B": 50, "INV-C": 3}, skus=["INV-A", "INV-B", "INV-C"]
    )
    staff = auth_headers(container, await create_user(container, role="staff"))
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {
            "sku": "INV-",
            "limit": 2,
            **({"cursor": cursor} if cursor else {}),
        }
        page = expect(await client.get(f"{API}/admin/inventory", params=params, headers=staff), 200)
        seen += [item["sku"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["INV-A", "INV-B", "INV-C"]
    low = expect(
        await client.get(
            f"{API}/admin/inventory", params={"sku": "INV-", "max_available": 3}, headers=staff
        ),
        200,
    )
    assert [(i["sku"], i["available"], i["warehouse"]) for i in low["items"]] == [
        ("INV-A", 1, "default"),
        ("INV-C", 3, "default"),
    ]
    bad = await client.get(f"{API}/admin/inventory", params={"cursor": "nope!"}, headers=staff)
    assert bad.status_code == 422


async def test_discount_edit_usage_and_order_filters_ledger_and_resend(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=2000, stock=10, skus=["DS-1"])
    staff = auth_headers(container, await create_user(container, role="staff"))
    created = expect(
        await client.post(
            f"{API}/admin/discounts",
            json={"code": "TENOFF", "kind": "percentage", "value": 10},
            headers=staff,
        ),
        201,
    )
    cart = await ready_cart(client, {"DS-1": 1})
    expect(await client.post(f"{API}/carts/{cart}/discount-codes", json={"code": "TENOFF"}), 200)
    placed = expect(await checkout(client, cart), 201)
    await pay(client, placed)

    usage = expect(
        await client.get(f"{API}/admin/discounts/{created['id']}/usage", headers=staff), 200
    )
    assert usage["total_redemptions"] == 1
    assert usage["total_discounted"] == placed["discount_total"]["amount"] > 0
    assert [r["order_id"] for r in usage["items"]] == [placed["id"]]

    edited = expect(
        await client.patch(
            f"{API}/admin/discounts/{created['id']}",
            json={"value": 15, "usage_limit": 5},
            headers=staff,
        ),
        200,
    )
    assert (edited["value"], edited["usage_limit"], edited["kind"]) == (15, 5, "percentage")
    for body, status in (
        ({"value": 150}, 422),
        ({"usage_limit": 0}, 422),
        ({"code": "OTHER"}, 422),
        ({"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}, 422),
        # omitted is "unchanged", null is refused where the field cannot be empty (was a 500)
        ({"value": None, "active": False}, 422),
        ({"min_subtotal": None}, 422),
        ({"active": None}, 422),
    ):
        response = await client.patch(
            f"{API}/admin/discounts/{created['id']}", json=body, headers=staff
        )
        assert response.status_code == status, (body, response.text)
    unchanged = expect(await client.get(f"{API}/admin/discounts", headers=staff), 200)
    (row,) = [d for d in unchanged["items"] if d["id"] == created["id"]]
    assert (row["value"], row["active"], row["usage_limit"]) == (15, True, 5)
    cleared = expect(
        await client.patch(
            f"{API}/admin/discounts/{created['id']}", json={"usage_limit": None}, headers=staff
        ),
        200,
    )
    assert cleared["usage_limit"] is None
    disabled = expect(
        await client.patch(
            f"{API}/admin/discounts/{created['id']}", json={"active": False}, headers=staff
        ),
        200,
    )
    assert disabled["active"] is False

    # order filters: total range and number
    total = placed["total"]["amount"]
    within = expect(
        await client.get(
            f"{API}/admin/orders", params={"total_min": total, "total_max": total}, headers=staff
        ),
        200,
    )
    assert [o["id"] for o in within["items"]] == [placed["id"]]
    above = expect(
        await client.get(f"{API}/admin/orders", params={"total_min": total + 1}, headers=staff), 200
    )
    assert above["items"] == []
    by_number = expect(
        await client.get(f"{API}/admin/orders", params={"number": placed["number"]}, headers=staff),
        200,
    )
    assert [o["id"] for o in by_number["items"]] == [placed["id"]]

    detail = expect(await client.get(f"{API}/admin/orders/{placed['id']}", headers=staff), 200)
    kinds = [t["kind"] for t in detail["transactions"]]
    assert "intent_created" in kinds or "authorization" in kinds
    assert any(t["kind"] == "capture" for t in detail["transactions"]), kinds

    resent = await client.post(
        f"{API}/admin/orders/{placed['id']}/resend-confirmation", headers=staff
    )
    assert resent.status_code == 202, resent.text
    assert resent.json()["history"][-1]["kind"] == "email"
    events = await _outbox(container, "OrderConfirmationResent")
    assert [e["order_id"] for e in events] == [placed["id"]]

    unpaid = await _place(client, {"DS-1": 1})
    refused = await client.post(
        f"{API}/admin/orders/{unpaid['id']}/resend-confirmation", headers=staff
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "order_not_paid"


async def test_discount_codes_are_listed_a_page_at_a_time(
    client: httpx.AsyncClient, container: Container
) -> None:
    """`limit`/`cursor` like every unbounded admin list: newest first, no code twice or missed,
    `next_cursor` null on the last page, a forged cursor 422 `invalid_cursor`."""
    staff = auth_headers(container, await create_user(container, role="staff"))
    codes = [f"PAGE{n:02d}" for n in range(7)]
    for code in codes:
        body = {"code": code, "kind": "percentage", "value": 10}
        expect(await client.post(f"{API}/admin/discounts", json=body, headers=staff), 201)
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 3}
    pages = 0
    while True:
        page = expect(await client.get(f"{API}/admin/discounts", params=params, headers=staff), 200)
        pages += 1
        assert len(page["items"]) <= 3
        seen += [d["code"] for d in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": 3, "cursor": page["next_cursor"]}
    assert pages == 3
    assert seen == codes[::-1]  # newest first
    default = expect(await client.get(f"{API}/admin/discounts", headers=staff), 200)
    assert (len(default["items"]), default["next_cursor"]) == (7, None)
    for bad in ({"cursor": "nope!"}, {"limit": 0}, {"limit": 101}):
        response = await client.get(f"{API}/admin/discounts", params=bad, headers=staff)
        assert response.status_code == 422, (bad, response.text)
    forged = await client.get(f"{API}/admin/discounts", params={"cursor": "WzFd"}, headers=staff)
    assert forged.json()["code"] == "invalid_cursor"


async def test_collections_list_for_the_product_form(
    client: httpx.AsyncClient, container: Container
) -> None:
    staff = auth_headers(container, await create_user(container, role="staff"))
    for title in ("Summer", "Winter", "Gifts"):
        expect(
            await client.post(f"{API}/admin/collections", json={"title": title}, headers=staff), 201
        )
    first = expect(await client.get(f"{API}/admin/collections?limit=2", headers=staff), 200)
    rest = expect(
        await client.get(
            f"{API}/admin/collections", params={"cursor": first["next_cursor"]}, headers=staff
        ),
        200,
    )
    assert [c["title"] for c in first["items"] + rest["items"]] == ["Gifts", "Winter", "Summer"]
    assert rest["next_cursor"] is None


async def test_provider_health_names_each_provider_and_its_breaker(
    client: httpx.AsyncClient, container: Container
) -> None:
    from mercato.platform.http import breaker_for, outbound_policy

    headers = auth_headers(container, await create_user(container, role="staff"))
    built_in = await client.get("/api/v1/admin/providers", headers=headers)
    assert built_in.status_code == 200, built_in.text
    assert {(p["role"], p["provider"], p["state"]) for p in built_in.json()["items"]} == {
        ("Payments", "sandbox", "built_in"),
        ("Carrier", "simulated", "built_in"),
        ("Content", "local", "built_in"),
        ("Weather", "fixtures", "built_in"),
        ("Social feed", "fixtures", "built_in"),
        ("Mail", "file", "built_in"),
    }

    # external providers: their circuit breakers in this process, as the outbound client keeps them
    settings = container.settings.model_copy(
        update={
            "content": container.settings.content.model_copy(update={"source": "sanity"}),
            "integrations": container.settings.integrations.model_copy(
                update={"weather_provider": "open-meteo", "social_provider": "mastodon"}
            ),
        }
    )
    container.settings = settings
    sanity = breaker_for("sanity", outbound_policy(settings, "sanity"))
    for _ in range(sanity.failures):
        sanity.record_failure()
    breaker_for("open-meteo", outbound_policy(settings, "open-meteo")).record_success()
    states = {
        p["role"]: (p["provider"], p["state"], p["detail"])
        for p in (await client.get("/api/v1/admin/providers", headers=headers)).json()["items"]
    }
    assert states["Content"][:2] == ("sanity", "open")
    assert "refused" in states["Content"][2]
    assert states["Weather"][:2] == ("open-meteo", "ok")
    assert states["Social feed"][:2] == ("mastodon", "unused")


async def test_datetimes_out_of_range_in_utc_are_422_and_answers_show_utc(
    client: httpx.AsyncClient, container: Container
) -> None:
    """A time whose UTC conversion leaves years 1-9999 failed in the database layer (500); an
    offset or naive time was echoed verbatim by create/PATCH while reads showed UTC."""
    staff = auth_headers(container, await create_user(container, role="staff"))
    extremes = [
        "9999-12-31T23:59:59-00:01",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+00:01",
    ]
    for value in extremes:
        for name in ("created_from", "created_to"):
            response = await client.get(f"{API}/admin/orders", params={name: value}, headers=staff)
            assert response.status_code == 422, (name, value, response.text)
            assert response.json()["code"] == "validation_error"
        for field in ("starts_at", "ends_at"):
            body = {"code": "DTX1", "kind": "fixed", "value": 100, field: value}
            response = await client.post(f"{API}/admin/discounts", json=body, headers=staff)
            assert response.status_code == 422, (field, value, response.text)
            assert response.json()["code"] == "validation_error"
    assert expect(await client.get(f"{API}/admin/discounts", headers=staff), 200)["items"] == []

    # naive is UTC; an offset is converted (a naive and an aware time compare: was a 500)
    created = expect(
        await client.post(
            f"{API}/admin/discounts",
            json={"code": "DTX2", "kind": "fixed", "value": 100}
            | {"starts_at": "2030-01-01T12:00:00", "ends_at": "2030-01-02T12:00:00+05:00"},
            headers=staff,
        ),
        201,
    )
    assert (created["starts_at"], created["ends_at"]) == (
        "2030-01-01T12:00:00Z",
        "2030-01-02T07:00:00Z",
    )
    url = f"{API}/admin/discounts/{created['id']}"
    for value in extremes:
        response = await client.patch(url, json={"ends_at": value}, headers=staff)
        assert response.status_code == 422, (value, response.text)
        assert response.json()["code"] == "validation_error"
    edited = expect(
        await client.patch(url, json={"starts_at": "2030-01-01T10:00:00+05:00"}, headers=staff), 200
    )
    assert edited["starts_at"] == "2030-01-01T05:00:00Z"
    [listed] = expect(await client.get(f"{API}/admin/discounts", headers=staff), 200)["items"]
    assert listed == edited
    assert (listed["starts_at"], listed["ends_at"]) == (
        "2030-01-01T05:00:00Z",
        "2030-01-02T07:00:00Z",
    )


async def test_awaiting_fulfilment_counts_and_lists_partly_refunded_orders_left_to_ship(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=30, skus=["AW-1"])
    admin = auth_headers(container, await create_user(container, role="admin"))

    async def paid_order() -> dict[str, Any]:
        placed = await _place(client, {"AW-1": 3})
        await pay(client, placed)
        return placed

    async def post(order: dict[str, Any], action: str, body: Any = None) -> dict[str, Any]:
        url = f"{API}/admin/orders/{order['id']}/{action}"
        return expect(await client.post(url, json=body, headers=admin), 200)

    untouched = await paid_order()
    # one of three shipped, then part of the money back: two still to ship
    partly_shipped = await paid_order()
    line = {"line_id": partly_shipped["lines"][0]["id"], "quantity": 1}
    await post(partly_shipped, "fulfil", {"items": [line]})
    assert (await post(partly_shipped, "refund", {"amount": 500}))["status"] == (
        "partially_refunded"
    )
    # everything packed, then part of the money back: nothing left to ship
    all_packed = await paid_order()
    await post(all_packed, "fulfil")
    await post(all_packed, "refund", {"amount": 500})
    refunded = await paid_order()
    await post(refunded, "refund")
    cancelled = await paid_order()
    await post(cancelled, "cancel", {"reason": "cancelled_by_admin"})

    await container.cache.delete("admin:overview:v1")
    overview = expect(await client.get(f"{API}/admin/overview", headers=admin), 200)
    assert overview["awaiting_fulfilment"] == 2
    listed = expect(
        await client.get(f"{API}/admin/orders?awaiting_fulfilment=true", headers=admin), 200
    )
    assert [o["id"] for o in listed["items"]] == [partly_shipped["id"], untouched["id"]]
    everything = expect(await client.get(f"{API}/admin/orders", headers=admin), 200)
    assert len(everything["items"]) == 5
