"""The EasyPost-style adapter against a fake EasyPost on loopback: rates, buying a label,
trackers, signed webhooks (valid, invalid, stale), a 500 then success, a lost buy answer, and a
timeout that opens the circuit breaker. Out-of-order and duplicate webhooks end in the right
status with exactly one email per status change."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mercato.bootstrap import Container
from mercato.platform.config import Settings
from mercato.shipping.models import CarrierWebhookEvent, TrackingEvent
from mercato.shipping.providers.easypost import EasyPostCarrier, build_easypost
from mercato.shipping.providers.port import CarrierUnavailable, RateRequest, TrackQuery
from tests.conftest import make_settings
from tests.fakes.easypost_server import API_KEY, WEBHOOK_SECRET, FakeEasyPost, easypost_server, sign
from tests.integration.checkout.helpers import API, expect
from tests.integration.shipping.helpers import (
    emails,
    paid_order,
    ship,
    shipment_subjects,
    staff_headers,
)


@pytest.fixture
def fake() -> Iterator[FakeEasyPost]:
    with easypost_server() as server:
        yield server


@pytest.fixture
def settings(db_url: str, tmp_path: Path, fake: FakeEasyPost) -> Settings:
    host = fake.base_url.removeprefix("http://")
    return make_settings(
        db_url,
        tmp_path,
        shipping={
            "carrier": "easypost",
            "easypost_api_key": API_KEY,
            "easypost_api_base": f"{fake.base_url}/v2",
            "easypost_webhook_secret": WEBHOOK_SECRET,
            "easypost_timeout_seconds": 0.5,
            "easypost_max_retries": 1,
        },
        outbound={
            "allowed_private_hosts": [host],
            "breaker_failures": 2,
            "breaker_reset_seconds": 600,
            "backoff_initial_seconds": 0.01,
            "backoff_max_seconds": 0.02,
        },
    )


@pytest.fixture
async def carrier(container: Container) -> EasyPostCarrier:
    """The container's EasyPost carrier with a breaker of its own (breakers are per process)."""
    own = build_easypost(container.settings, provider_label=f"easypost-{uuid.uuid4().hex[:8]}")
    await container.carriers.carriers["easypost"].close()
    container.carriers.carriers["easypost"] = own
    return own


def _hook_headers(
    body: bytes, *, at: float | None = None, secret: str = WEBHOOK_SECRET
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Hmac-Signature": sign(body, secret),
        "X-Timestamp": str(int(at if at is not None else time.time())),
    }


async def _hook(client: httpx.AsyncClient, body: bytes, **kw: Any) -> httpx.Response:
    return await client.post(
        f"{API}/shipping/easypost/webhook", content=body, headers=_hook_headers(body, **kw)
    )


async def test_rates_come_back_in_minor_units_with_basic_auth(
    container: Container, carrier: EasyPostCarrier, fake: FakeEasyPost
) -> None:
    rates = await carrier.rates(
        RateRequest(
            origin=container.carriers.origin,
            country="US",
            postal_code="10001",
            region="NY",
            weight_grams=1000,
            currency="EUR",
        )
    )
    assert {(r.carrier_name, r.service) for r in rates} == {
        ("USPS", "GroundAdvantage"),
        ("USPS", "Priority"),
    }
    ground = next(r for r in rates if r.service == "GroundAdvantage")
    assert ground.amount == 927  # "9.27": 7.50 + 35.3 oz x 0.05, as the fake prices it
    assert ground.currency == "EUR"
    (created,) = [r for r in fake.requests if r.path == "/v2/shipments"]
    assert created.headers["Authorization"].startswith("Basic ")


async def test_an_admin_buys_a_label_and_webhooks_track_it(
    client: httpx.AsyncClient, container: Container, carrier: EasyPostCarrier, fake: FakeEasyPost
) -> None:
    placed = await paid_order(client, container)
    staff = await staff_headers(container)
    shipment = await ship(client, staff, placed["id"], service="Priority")
    assert shipment["provider"] == "easypost"
    assert shipment["carrier"] == "USPS"
    assert shipment["service"] == "Priority"
    assert shipment["tracking_mode"] == "webhook"
    assert shipment["tracking_number"].startswith("EZ")
    assert shipment["status"] == "label_created"
    label = await client.get(shipment["label_url"], headers=staff)
    assert label.content.startswith(b"%PDF")
    assert fake.calls("POST", "/v2/shipments") == 2  # create, buy
    assert fake.calls("GET", "/labels/") == 1
    # the label host never gets the API key
    (label_request,) = [r for r in fake.requests if r.path.startswith("/labels/")]
    assert "Authorization" not in label_request.headers

    code = shipment["tracking_number"]
    moving = fake.advance(code, "in_transit", "Arrived at USPS facility")
    assert expect(await _hook(client, fake.event(moving)), 200)["outcome"] == "processed"
    got = expect(await client.get(f"{API}/tracking/{code}"), 200)
    assert got["status"] == "in_transit"
    assert got["events"][-1]["location"] == "HOUSTON, TX, US"  # never the zip
    assert "77063" not in str(got)
    order = expect(await client.get(f"{API}/orders/{placed['id']}", headers=placed["headers"]), 200)
    assert order["status"] == "shipped"

    snapshot = await carrier.track(
        TrackQuery(
            tracking_number=code, carrier_shipment_id=None, label_created_at=datetime.now(UTC)
        )
    )
    assert snapshot.status == "in_transit"
    assert [e.status for e in snapshot.events] == ["label_created", "in_transit"]


async def test_webhook_signatures_and_timestamps_are_checked_before_anything_is_written(
    client: httpx.AsyncClient, container: Container, carrier: EasyPostCarrier, fake: FakeEasyPost
) -> None:
    placed = await paid_order(client, container)
    shipment = await ship(client, await staff_headers(container), placed["id"])
    body = fake.event(fake.advance(shipment["tracking_number"], "delivered", "Delivered"))
    now = time.time()
    cases = [
        _hook_headers(body, secret="wrong-secret"),
        _hook_headers(body, at=now - 3600),  # stale
        _hook_headers(body, at=now + 3600),  # from the future
        {k: v for k, v in _hook_headers(body).items() if k != "X-Timestamp"},
        {k: v for k, v in _hook_headers(body).items() if k != "X-Hmac-Signature"},
    ]
    for headers in cases:
        response = await client.post(
            f"{API}/shipping/easypost/webhook", content=body, headers=headers
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_webhook"
    tampered = body.replace(b'"delivered"', b'"returned"', 1)
    response = await client.post(
        f"{API}/shipping/easypost/webhook", content=tampered, headers=_hook_headers(body)
    )
    assert response.status_code == 400
    async with container.db.session(write=False) as session:
        assert await session.scalar(select(func.count(CarrierWebhookEvent.id))) == 0
    assert (
        expect(await client.get(f"{API}/tracking/{shipment['tracking_number']}"), 200)["status"]
        == "label_created"
    )
    assert expect(await _hook(client, body), 200)["outcome"] == "processed"


async def test_out_of_order_and_duplicate_webhooks_end_delivered_with_one_email_each(
    client: httpx.AsyncClient, container: Container, carrier: EasyPostCarrier, fake: FakeEasyPost
) -> None:
    placed = await paid_order(client, container)
    shipment = await ship(client, await staff_headers(container), placed["id"])
    code = shipment["tracking_number"]
    start = datetime.now(UTC)  # the label was bought just now; the scans come after it
    moving = fake.event(
        fake.advance(code, "in_transit", "Departed", at=start + timedelta(minutes=1))
    )
    out = fake.event(
        fake.advance(code, "out_for_delivery", "Out for delivery", at=start + timedelta(minutes=3))
    )
    done = fake.event(fake.advance(code, "delivered", "Delivered", at=start + timedelta(minutes=4)))
    # a late scan that the carrier timestamps *before* the delivery, sent after it
    late = fake.event(
        {
            **_tracker(fake, code),
            "status": "in_transit",
            "tracking_details": [_tracker(fake, code)["tracking_details"][1]],
        }
    )
    outcomes = [
        expect(await _hook(client, body), 200)["outcome"]
        for body in (moving, out, out, done, late, done, moving)
    ]
    assert outcomes == [
        "processed",
        "processed",
        "duplicate",
        "processed",
        "processed",
        "duplicate",
        "duplicate",
    ]
    public = expect(await client.get(f"{API}/tracking/{code}"), 200)
    assert public["status"] == "delivered"
    assert [e["status"] for e in public["events"]] == [
        "label_created",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    order = expect(await client.get(f"{API}/orders/{placed['id']}", headers=placed["headers"]), 200)
    assert order["status"] == "delivered"
    number = placed["number"]
    assert shipment_subjects(await emails(container), number) == sorted(
        [
            f"Order {number} has shipped",
            f"Order {number}: Out for delivery",
            f"Order {number} delivered",
        ]
    )
    async with container.db.session(write=False) as session:
        assert await session.scalar(select(func.count(TrackingEvent.id))) == 4


async def test_delivered_first_then_late_in_transit_keeps_delivered(
    client: httpx.AsyncClient, container: Container, carrier: EasyPostCarrier, fake: FakeEasyPost
) -> None:
    placed = await paid_order(client, container)
    shipment = await ship(client, await staff_headers(container), placed["id"])
    code = shipment["tracking_number"]
    start = datetime.now(UTC)  # the label was bought just now; the scans come after it
    early = fake.event(
        fake.advance(code, "in_transit", "Departed", at=start + timedelta(minutes=1))
    )
    done = fake.event(fake.advance(code, "delivered", "Delivered", at=start + timedelta(minutes=2)))
    expect(await _hook(client, done), 200)
    expect(await _hook(client, early), 200)  # the older event arrives last
    assert expect(await client.get(f"{API}/tracking/{code}"), 200)["status"] == "delivered"
    number = placed["number"]
    subjects = shipment_subjects(await emails(container), number)
    assert subjects.count(f"Order {number} delivered") == 1
    assert f"Order {number}: On its way" not in subjects


async def test_a_500_then_success_is_retried_for_reads_only(
    client: httpx.AsyncClient, container: Container, carrier: EasyPostCarrier, fake: FakeEasyPost
) -> None:
    placed = await paid_order(client, container)
    staff = await staff_headers(container)
    shipment = await ship(client, staff, placed["id"])
    fake.fail("/v2/trackers", 500, times=1)
    snapshot = await carrier.track(TrackQuery(shipment["tracking_number"], None, datetime.now(UTC)))
    assert snapshot.status == "label_created"
    assert fake.calls("GET", "/v2/trackers") == 2  # one 500, one retry

    other = await paid_order(client, container, {"SHIP-2": 1})
    fake.fail("/v2/shipments/", 500, times=1, method="POST")  # the buy (create is /v2/shipments)
    refused = await client.post(
        f"{API}/admin/shipments", json={"order_id": other["id"]}, headers=staff
    )
    assert refused.status_code == 503
    assert refused.json()["code"] == "carrier_unavailable"
    assert fake.calls("POST", "/v2/shipments/") == 2  # two buys in all: never retried blindly
    order = expect(await client.get(f"{API}/admin/orders/{other['id']}", headers=staff), 200)
    assert order["status"] == "paid"  # nothing written
    # trying again buys a label (a new EasyPost shipment)
    assert (await ship(client, staff, other["id"]))["status"] == "label_created"


async def test_a_buy_whose_answer_was_lost_is_recovered_not_bought_twice(
    client: httpx.AsyncClient, container: Container, carrier: EasyPostCarrier, fake: FakeEasyPost
) -> None:
    placed = await paid_order(client, container)
    staff = await staff_headers(container)
    fake.fail("/v2/shipments/", 502, times=1, method="POST", after_effect=True)
    shipment = await ship(client, staff, placed["id"])
    assert shipment["status"] == "label_created"
    bought = [s for s in fake.shipments.values() if s["tracking_code"]]
    assert [s["tracking_code"] for s in bought] == [shipment["tracking_number"]]
    assert fake.calls("GET", "/v2/shipments/") == 1  # read back once


async def test_a_timeout_opens_the_breaker_and_later_calls_fail_fast(
    container: Container, carrier: EasyPostCarrier, fake: FakeEasyPost
) -> None:
    fake.hang("/v2/trackers")
    query = TrackQuery("EZ000000000000000001", None, datetime.now(UTC))
    with pytest.raises(CarrierUnavailable):
        await carrier.track(query)  # a timeout, retried once: two failures open the breaker
    attempts = fake.calls("GET", "/v2/trackers")
    assert attempts == 2
    for _ in range(3):
        with pytest.raises(CarrierUnavailable):
            await carrier.track(query)
    assert fake.calls("GET", "/v2/trackers") == attempts  # never reached the server
    fake.release()


def _tracker(fake: FakeEasyPost, code: str) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(fake.trackers[code]))
