"""Pure carrier logic: simulated tracking numbers and schedule, EasyPost signatures and mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mercato.shipping.providers.easypost import (
    STATUS_MAP,
    compute_signature,
    parse_event,
    parse_timestamp,
    tracker_snapshot,
    verify_signature,
)
from mercato.shipping.providers.port import ShipAddress, TrackQuery, WebhookRejected
from mercato.shipping.providers.simulated import (
    SimulatedCarrier,
    has_exception,
    is_tracking_number,
    new_tracking_number,
)

START = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_tracking_numbers_are_random_checked_and_typo_proof() -> None:
    numbers = {new_tracking_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert is_tracking_number(number)
        assert len(number) == 21
        typo = number[:5] + ("0" if number[5] != "0" else "1") + number[6:]
        assert not is_tracking_number(typo)
    assert not is_tracking_number("MP")
    assert not is_tracking_number("XX" + next(iter(numbers))[2:])


def test_exceptions_are_deterministic_per_number() -> None:
    numbers = [new_tracking_number() for _ in range(400)]
    picked = [n for n in numbers if has_exception(n, 4)]
    assert picked == [n for n in numbers if has_exception(n, 4)]
    assert 40 < len(picked) < 160  # about one in four
    assert not any(has_exception(n, 0) for n in numbers)
    assert all(has_exception(n, 1) for n in numbers)


@pytest.mark.parametrize(
    ("exception_every", "expected"),
    [
        (0, ["label_created", "in_transit", "in_transit", "out_for_delivery", "delivered"]),
        (
            1,
            [
                "label_created",
                "in_transit",
                "in_transit",
                "exception",
                "in_transit",
                "out_for_delivery",
                "delivered",
            ],
        ),
    ],
)
async def test_the_schedule_advances_with_the_clock(
    exception_every: int, expected: list[str]
) -> None:
    clock = Clock()
    carrier = SimulatedCarrier(
        step_seconds=60, exception_every=exception_every, origin_city="Berlin", clock=clock
    )
    query = TrackQuery(new_tracking_number(), "sim_FR_x", START)
    seen = []
    for minute in range(len(expected)):
        clock.now = START + timedelta(minutes=minute, seconds=1)
        snapshot = await carrier.track(query)
        seen.append(snapshot.status)
        assert len(snapshot.events) == minute + 1
    assert seen == expected
    assert snapshot.estimated_delivery == (START + timedelta(minutes=len(expected) - 1)).date()
    assert snapshot.events[-1].location is None  # the door is nobody's business
    assert snapshot.events[2].location == "Sorting centre, FR"
    clock.now = START + timedelta(days=30)
    assert (await carrier.track(query)).events == snapshot.events  # nothing after delivery


async def test_simulated_labels_are_pdfs_with_the_number() -> None:
    carrier = SimulatedCarrier(
        step_seconds=60, exception_every=0, origin_city="Berlin", clock=Clock()
    )
    here = ShipAddress(
        name="Shop", line1="Street 1", city="Berlin", postal_code="10117", country="DE"
    )
    there = ShipAddress(name="Ada", line1="Rue 2", city="Paris", postal_code="75001", country="FR")
    from mercato.shipping.providers.port import LabelRequest

    label = await carrier.buy_label(LabelRequest("ref", here, there, 2500, "express", "EUR"))
    assert label.label.startswith(b"%PDF")
    assert label.service == "Express"
    assert label.amount == (850 + 120 * 2) * 18 // 10  # EU zone, 3 started kilograms
    assert is_tracking_number(label.tracking_number)
    assert [e.status for e in label.events] == ["label_created"]


def _tracker(**extra: object) -> dict[str, object]:
    return {
        "object": "Tracker",
        "tracking_code": "EZ1000000001",
        "status": "in_transit",
        "est_delivery_date": "2026-12-05T00:00:00Z",
        "signed_by": "Somebody Private",
        "tracking_details": [
            {
                "status": "pre_transit",
                "message": "Label created",
                "datetime": "2026-12-02T10:00:00Z",
                "tracking_location": {"city": None, "zip": None},
            },
            {
                "status": "in_transit",
                "message": "Departed",
                "datetime": "2026-12-02T12:00:00Z",
                "tracking_location": {
                    "city": "HOUSTON",
                    "state": "TX",
                    "country": "US",
                    "zip": "77063",
                },
            },
            {"status": "unknown", "message": "?", "datetime": "2026-12-02T13:00:00Z"},
        ],
        **extra,
    }


def test_trackers_map_onto_our_statuses_without_personal_data() -> None:
    snapshot = tracker_snapshot(_tracker())
    assert snapshot.status == "in_transit"
    assert [e.status for e in snapshot.events] == ["label_created", "in_transit"]
    assert snapshot.events[1].location == "HOUSTON, TX, US"
    assert "Somebody" not in repr(snapshot)
    assert snapshot.estimated_delivery is not None
    assert snapshot.events[0].key != snapshot.events[1].key
    assert tracker_snapshot(_tracker()).events[1].key == snapshot.events[1].key  # stable keys
    assert STATUS_MAP["return_to_sender"] == "returned"


def test_signatures_are_checked_over_the_raw_body_with_a_bounded_timestamp() -> None:
    body = json.dumps(
        {
            "id": "evt_1",
            "object": "Event",
            "updated_at": "2026-12-02T12:00:00Z",
            "result": _tracker(),
        }
    ).encode()
    now = 1_800_000_000.0
    good = {"X-Hmac-Signature": compute_signature(body, "s3cret"), "X-Timestamp": str(int(now))}
    verify_signature(body, good, "s3cret", tolerance=300, now=now)
    bad_cases = [
        ({**good, "X-Hmac-Signature": compute_signature(body, "other")}, "s3cret"),
        ({**good, "X-Hmac-Signature": compute_signature(body + b" ", "s3cret")}, "s3cret"),
        ({**good, "X-Timestamp": str(int(now - 301))}, "s3cret"),
        ({**good, "X-Timestamp": str(int(now + 301))}, "s3cret"),
        ({**good, "X-Timestamp": "yesterday"}, "s3cret"),
        ({"X-Timestamp": str(int(now))}, "s3cret"),
        (good, ""),
    ]
    for headers, secret in bad_cases:
        with pytest.raises(WebhookRejected):
            verify_signature(body, headers, secret, tolerance=300, now=now)
    assert parse_timestamp("Wed, 02 Dec 2026 12:00:00 GMT") == parse_timestamp(
        "2026-12-02T12:00:00Z"
    )
    notice = parse_event(body)
    assert notice.event_id == "evt_1"
    assert notice.snapshot.tracking_number == "EZ1000000001"
    for broken in (
        b"not json",
        b"[]",
        b'{"object": "Event", "id": "e"}',
        json.dumps({"id": "e", "object": "Event", "result": {"object": "Batch"}}).encode(),
    ):
        with pytest.raises(WebhookRejected):
            parse_event(broken)
