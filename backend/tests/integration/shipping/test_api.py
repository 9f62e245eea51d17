"""Shipments through the API: who may see them, what the public tracking page shows, partial
shipments, voiding and hand-delivery, the admin list, and refusals that change nothing."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from mercato.bootstrap import Container
from mercato.orders.models import Order
from mercato.platform.config import Settings
from mercato.shipping.providers.simulated import is_tracking_number, new_tracking_number
from tests.conftest import make_settings
from tests.factories import auth_headers, create_user
from tests.integration.checkout.helpers import ADDRESS, API, expect
from tests.integration.shipping.helpers import paid_order, ship, staff_headers


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, shipping={"tracking_rate_limit": 20})


async def test_only_the_owner_or_the_guest_token_sees_the_shipments(
    client: httpx.AsyncClient, container: Container
) -> None:
    placed = await paid_order(client, container)
    staff = await staff_headers(container)
    shipment = await ship(client, staff, placed["id"])
    url = f"{API}/orders/{placed['id']}/shipments"
    mine = expect(await client.get(url, headers=placed["headers"]), 200)
    assert [s["tracking_number"] for s in mine["items"]] == [shipment["tracking_number"]]
    assert "label_url" not in mine["items"][0]  # staff only
    stranger = auth_headers(container, await create_user(container))
    refused = await client.get(url, headers=stranger)
    assert refused.status_code == 404
    assert refused.json()["code"] == "order_not_found"
    assert (await client.get(url)).status_code == 404
    assert (await client.get(url, params={"token": "forged"})).status_code == 404
    token = placed["order_url"].split("token=")[1] if "order_url" in placed else None
    if token:
        assert expect(await client.get(url, params={"token": token}), 200)["items"]
    # customers cannot use the staff API
    for path in ("", f"/{shipment['id']}", f"/{shipment['id']}/label"):
        response = await client.get(f"{API}/admin/shipments{path}", headers=placed["headers"])
        assert response.status_code == 403


async def test_public_tracking_shows_progress_and_nothing_personal(
    client: httpx.AsyncClient, container: Container
) -> None:
    email = "very.private.person@example.com"
    placed = await paid_order(client, container, email_address=email)
    staff = await staff_headers(container)
    shipment = await ship(client, staff, placed["id"])
    await client.post(f"{API}/admin/shipments/{shipment['id']}/deliver", headers=staff)
    response = await client.get(f"{API}/tracking/{shipment['tracking_number']}")
    public = expect(response, 200)
    assert public["status"] == "delivered"
    assert [e["status"] for e in public["events"]] == ["label_created", "delivered"]
    text = response.text.lower()
    for private in (
        email,
        ADDRESS["first_name"],
        ADDRESS["last_name"],
        ADDRESS["line1"],
        ADDRESS["postal_code"],
        placed["id"],
        placed["number"],
    ):
        assert str(private).lower() not in text, private
    assert set(public) == {
        "tracking_number",
        "carrier",
        "service",
        "status",
        "estimated_delivery",
        "shipped_at",
        "delivered_at",
        "events",
    }
    # lower case works too (typed by hand)
    assert (
        await client.get(f"{API}/tracking/{shipment['tracking_number'].lower()}")
    ).status_code == 200


@pytest.mark.parametrize(
    "number",
    [
        "nope",
        "MP" + "0" * 18 + "1",  # right shape, wrong check character
        "X" * 200,
        "X" * 5000,
        "MP%20DROP%20TABLE",
        "%E2%9C%93%E2%9C%93%E2%9C%93%E2%9C%93",
        "..%2F..%2Fetc",
    ],
)
async def test_bad_tracking_numbers_are_a_clean_404(
    client: httpx.AsyncClient, container: Container, number: str
) -> None:
    response = await client.get(f"{API}/tracking/{number}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in ("tracking_not_found", "not_found")


async def test_unknown_and_voided_numbers_are_404(
    client: httpx.AsyncClient, container: Container
) -> None:
    unknown = new_tracking_number()
    assert is_tracking_number(unknown)
    assert (await client.get(f"{API}/tracking/{unknown}")).json()["code"] == "tracking_not_found"
    placed = await paid_order(client, container)
    staff = await staff_headers(container)
    shipment = await ship(client, staff, placed["id"])
    expect(await client.post(f"{API}/admin/shipments/{shipment['id']}/void", headers=staff), 200)
    assert (await client.get(f"{API}/tracking/{shipment['tracking_number']}")).status_code == 404


async def test_tracking_lookups_are_rate_limited_per_client(
    client: httpx.AsyncClient, container: Container
) -> None:
    limit = container.settings.shipping.tracking_rate_limit
    codes = [
        (await client.get(f"{API}/tracking/{new_tracking_number()}")).status_code
        for _ in range(limit + 1)
    ]
    assert codes[:limit] == [404] * limit
    assert codes[limit] == 429
    last = await client.get(f"{API}/tracking/{new_tracking_number()}")
    assert last.status_code == 429
    assert int(last.headers["retry-after"]) >= 1
    assert last.json()["code"] == "rate_limited"


async def test_partial_shipments_void_and_hand_delivery(
    client: httpx.AsyncClient, container: Container
) -> None:
    placed = await paid_order(client, container, {"PART-A": 2, "PART-B": 1})
    staff = await staff_headers(container)
    line_a, line_b = (
        next(line for line in placed["lines"] if line["sku"] == sku) for sku in ("PART-A", "PART-B")
    )
    order_url = f"{API}/admin/orders/{placed['id']}"
    first = await ship(
        client, staff, placed["id"], items=[{"line_id": line_a["id"], "quantity": 2}]
    )
    assert (
        expect(await client.get(order_url, headers=staff), 200)["status"] == "partially_fulfilled"
    )
    over = await client.post(
        f"{API}/admin/shipments",
        json={"order_id": placed["id"], "items": [{"line_id": line_a["id"], "quantity": 1}]},
        headers=staff,
    )
    assert over.status_code == 409
    assert over.json()["code"] == "over_fulfilment"
    second = await ship(client, staff, placed["id"], service="Express", weight_grams=2500)
    assert second["service"] == "Express"
    assert second["weight_grams"] == 2500
    assert second["lines"] == [{"line_id": line_b["id"], "quantity": 1}]
    assert expect(await client.get(order_url, headers=staff), 200)["status"] == "fulfilled"

    voided = expect(
        await client.post(f"{API}/admin/shipments/{second['id']}/void", headers=staff), 200
    )
    assert voided["status"] == "voided"
    order = expect(await client.get(order_url, headers=staff), 200)
    assert order["status"] == "partially_fulfilled"
    assert {line["sku"]: line["quantity_fulfilled"] for line in order["lines"]} == {
        "PART-A": 2,
        "PART-B": 0,
    }
    again = await client.post(f"{API}/admin/shipments/{second['id']}/void", headers=staff)
    assert again.status_code == 200  # idempotent
    third = await ship(client, staff, placed["id"])
    delivered = expect(
        await client.post(
            f"{API}/admin/shipments/{first['id']}/deliver",
            json={"note": "Left with the neighbour"},
            headers=staff,
        ),
        200,
    )
    assert delivered["status"] == "delivered"
    assert delivered["events"][-1]["message"] == "Left with the neighbour"
    public = expect(await client.get(f"{API}/tracking/{first['tracking_number']}"), 200)
    assert public["events"][-1]["message"] == "Delivered"  # staff notes stay private
    no_void = await client.post(f"{API}/admin/shipments/{first['id']}/void", headers=staff)
    assert no_void.status_code == 409
    assert no_void.json()["code"] == "invalid_shipment_state"
    # one parcel still waiting: the order is not shipped yet
    assert expect(await client.get(order_url, headers=staff), 200)["status"] == "fulfilled"
    expect(await client.post(f"{API}/admin/shipments/{third['id']}/deliver", headers=staff), 200)
    order = expect(await client.get(order_url, headers=staff), 200)
    assert order["status"] == "delivered"
    assert [h["to_status"] for h in order["history"] if h["kind"] == "status"][-4:] == [
        "partially_fulfilled",
        "fulfilled",
        "shipped",
        "delivered",
    ]
    cannot = await client.post(f"{API}/admin/shipments/{second['id']}/deliver", headers=staff)
    assert cannot.status_code == 409


async def test_admin_list_filters_and_pages(
    client: httpx.AsyncClient, container: Container
) -> None:
    staff = await staff_headers(container)
    ids = []
    for sku in ("L-1", "L-2", "L-3"):
        placed = await paid_order(client, container, {sku: 1})
        ids.append((await ship(client, staff, placed["id"]))["id"])
    await client.post(f"{API}/admin/shipments/{ids[0]}/deliver", headers=staff)
    page = expect(
        await client.get(f"{API}/admin/shipments", params={"limit": 2}, headers=staff), 200
    )
    assert [s["id"] for s in page["items"]] == ids[::-1][:2]
    rest = expect(
        await client.get(
            f"{API}/admin/shipments",
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=staff,
        ),
        200,
    )
    assert [s["id"] for s in rest["items"]] == ids[:1]
    assert rest["next_cursor"] is None
    delivered = expect(
        await client.get(f"{API}/admin/shipments", params={"status": "delivered"}, headers=staff),
        200,
    )
    assert [s["id"] for s in delivered["items"]] == [ids[0]]
    simulated = expect(
        await client.get(
            f"{API}/admin/shipments",
            params={"carrier": "simulated", "exception": "false"},
            headers=staff,
        ),
        200,
    )
    assert len(simulated["items"]) == 3
    for params in ({"status": "lost"}, {"exception": "yes"}, {"cursor": "!!!"}, {"limit": 0}):
        assert (
            await client.get(f"{API}/admin/shipments", params=params, headers=staff)
        ).status_code == 422
    missing = await client.get(f"{API}/admin/shipments/{ids[0][:-4]}ffff", headers=staff)
    assert missing.status_code == 404


async def test_refusals_change_nothing(client: httpx.AsyncClient, container: Container) -> None:
    staff = await staff_headers(container)
    placed = await paid_order(client, container)
    for body in (
        {"order_id": placed["id"], "items": [{"line_id": placed["lines"][0]["id"], "quantity": 0}]},
        {
            "order_id": placed["id"],
            "items": [{"line_id": placed["lines"][0]["id"], "quantity": 1}] * 2,
        },
        {"order_id": placed["id"], "weight_grams": -1},
        {"order_id": placed["id"], "service": ""},
        {"order_id": "not-a-uuid"},
        {"order_id": placed["id"], "extra": 1},
    ):
        response = await client.post(f"{API}/admin/shipments", json=body, headers=staff)
        assert response.status_code == 422, body
    unknown_service = await client.post(
        f"{API}/admin/shipments",
        json={"order_id": placed["id"], "service": "Teleport"},
        headers=staff,
    )
    assert unknown_service.status_code == 409
    assert unknown_service.json()["code"] == "unknown_service"
    listed = expect(await client.get(f"{API}/admin/shipments", headers=staff), 200)
    assert listed["items"] == []
    order = expect(await client.get(f"{API}/admin/orders/{placed['id']}", headers=staff), 200)
    assert order["status"] == "paid"
    assert all(line["quantity_fulfilled"] == 0 for line in order["lines"])
    bad_hook = await client.post(
        f"{API}/shipping/nosuch/webhook", content=json.dumps({"id": "evt"}).encode()
    )
    assert bad_hook.status_code == 404
    simulated_hook = await client.post(f"{API}/shipping/simulated/webhook", content=b"{}")
    assert simulated_hook.status_code == 400


async def test_the_label_is_for_the_service_the_customer_chose(
    client: httpx.AsyncClient, container: Container
) -> None:
    staff = await staff_headers(container)
    express = await paid_order(client, container, {"SHIP-EXP": 1}, method="express")
    assert (await ship(client, staff, express["id"]))["service"] == "Express"
    standard = await paid_order(client, container, {"SHIP-STD": 1})
    assert (await ship(client, staff, standard["id"]))["service"] == "Standard"
    chosen = await paid_order(client, container, {"SHIP-CHO": 1}, method="express")
    assert (await ship(client, staff, chosen["id"], service="Standard"))["service"] == "Standard"


async def test_a_method_the_carrier_does_not_offer_gets_its_cheapest_service(
    client: httpx.AsyncClient, container: Container
) -> None:
    staff = await staff_headers(container)
    placed = await paid_order(client, container, {"SHIP-ODD": 1}, method="express")
    async with container.db.session() as session:
        order = await session.get(Order, uuid.UUID(placed["id"]))
        assert order is not None
        order.shipping_method = {**order.shipping_method, "name": "Teleport", "code": "teleport"}
    assert (await ship(client, staff, placed["id"]))["service"] == "Standard"
