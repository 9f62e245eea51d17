"""The simulated carrier's whole journey under a controlled clock, through the polling job:
statuses, the order following its shipments, the outbox events and exactly one email each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mercato.bootstrap import Container
from mercato.platform.config import Settings
from mercato.platform.outbox import OutboxEvent
from mercato.shipping.service import poll_shipments
from tests.conftest import make_settings
from tests.integration.checkout.helpers import API, expect
from tests.integration.shipping.helpers import (
    ManualClock,
    emails,
    paid_order,
    ship,
    shipment_subjects,
    staff_headers,
    use_clock,
)

STEP = 10  # seconds per tracking step in these tests


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        shipping={"simulated_step_seconds": STEP, "poll_interval_seconds": 1},
    )


async def _statuses(container: Container) -> list[str]:
    async with container.db.session(write=False) as session:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == "ShipmentUpdated")
            .order_by(OutboxEvent.created_at)
        )
        return [row.payload["status"] for row in rows]


async def _order(client: httpx.AsyncClient, placed: dict[str, Any]) -> dict[str, Any]:
    return expect(await client.get(f"{API}/orders/{placed['id']}", headers=placed["headers"]), 200)


async def _tick(container: Container, clock: ManualClock, seconds: float) -> int:
    clock.advance(seconds)
    return await poll_shipments(container)


async def test_the_simulated_journey_to_delivered(
    client: httpx.AsyncClient, container: Container
) -> None:
    clock = ManualClock()
    use_clock(container, clock)
    placed = await paid_order(client, container, {"SHIP-1": 2})
    staff = await staff_headers(container)
    shipment = await ship(client, staff, placed["id"])
    assert shipment["status"] == "label_created"
    assert shipment["tracking_number"].startswith("MP")
    assert shipment["lines"] == [{"line_id": placed["lines"][0]["id"], "quantity": 2}]
    assert shipment["weight_grams"] == 1000  # 2 x 500 g from the catalog
    assert (await _order(client, placed))["status"] == "fulfilled"

    label = await client.get(shipment["label_url"], headers=staff)
    assert label.status_code == 200
    assert label.headers["content-type"] == "application/pdf"
    assert label.content.startswith(b"%PDF")
    assert (await client.get(shipment["label_url"], headers=placed["headers"])).status_code in (
        401,
        403,
    )

    # not yet due: nothing moves
    assert await _tick(container, clock, STEP - 1) == 0
    assert await _tick(container, clock, 1) == 1  # step 1: picked up
    assert (await _order(client, placed))["status"] == "shipped"
    assert await _tick(container, clock, STEP) == 0  # step 2: still in transit (a new scan)
    assert await _tick(container, clock, STEP) == 1  # step 3: out for delivery
    assert await _tick(container, clock, STEP) == 1  # step 4: delivered
    assert await _tick(container, clock, STEP) == 0  # final: no longer polled
    assert (await _order(client, placed))["status"] == "delivered"

    mine = expect(
        await client.get(f"{API}/orders/{placed['id']}/shipments", headers=placed["headers"]),
        200,
    )
    (only,) = mine["items"]
    assert only["status"] == "delivered"
    assert [e["status"] for e in only["events"]] == [
        "label_created",
        "in_transit",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    assert only["delivered_at"] is not None
    assert only["tracking_url"].endswith(f"/track/{only['tracking_number']}")
    assert await _statuses(container) == [
        "label_created",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    number = placed["number"]
    assert shipment_subjects(await emails(container), number) == sorted(
        [
            f"Order {number} has shipped",
            f"Order {number}: Out for delivery",
            f"Order {number} delivered",
        ]
    )
    # handling the events again sends nothing more
    assert len(await emails(container)) == len(await emails(container))


async def test_the_exception_detour_and_recovery(
    client: httpx.AsyncClient, container: Container
) -> None:
    clock = ManualClock()
    use_clock(container, clock, exception_every=1)  # every parcel takes the detour
    placed = await paid_order(client, container)
    staff = await staff_headers(container)
    shipment = await ship(client, staff, placed["id"])
    for _ in range(3):
        await _tick(container, clock, STEP)
    held = expect(
        await client.get(f"{API}/admin/shipments", params={"exception": "true"}, headers=staff),
        200,
    )
    assert [s["id"] for s in held["items"]] == [shipment["id"]]
    assert held["items"][0]["status"] == "exception"
    public = expect(await client.get(f"{API}/tracking/{shipment['tracking_number']}"), 200)
    assert public["status"] == "exception"
    for _ in range(3):
        await _tick(container, clock, STEP)
    assert (
        expect(await client.get(f"{API}/admin/shipments/{shipment['id']}", headers=staff), 200)[
            "status"
        ]
        == "delivered"
    )
    assert await _statuses(container) == [
        "label_created",
        "in_transit",
        "exception",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    number = placed["number"]
    assert shipment_subjects(await emails(container), number) == sorted(
        [
            f"Order {number} has shipped",
            f"Order {number}: a delivery problem",
            f"Order {number}: On its way",
            f"Order {number}: Out for delivery",
            f"Order {number} delivered",
        ]
    )
    assert (await _order(client, placed))["status"] == "delivered"


async def test_a_poll_that_missed_steps_catches_up_in_one_go(
    client: httpx.AsyncClient, container: Container
) -> None:
    clock = ManualClock()
    use_clock(container, clock)
    placed = await paid_order(client, container)
    staff = await staff_headers(container)
    await ship(client, staff, placed["id"])
    assert await _tick(container, clock, STEP * 10) == 1  # straight to delivered
    assert (await _order(client, placed))["status"] == "delivered"
    assert await _statuses(container) == ["label_created", "delivered"]
