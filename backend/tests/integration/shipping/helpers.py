"""Shipping test helpers: a controlled clock, a paid order, the emails written so far."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from typing import Any

import httpx

from mercato.bootstrap import Container
from mercato.shipping.providers import build_carriers
from mercato.shipping.providers.simulated import SimulatedCarrier
from mercato.worker.events import dispatch_pending_events
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import API, checkout, expect, pay, ready_cart


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def use_clock(container: Container, clock: ManualClock, *, exception_every: int = 0) -> None:
    """Replace the container's carriers with ones on `clock` (same settings otherwise)."""
    registry = build_carriers(container.settings, clock=clock)
    registry.carriers["simulated"] = SimulatedCarrier(
        step_seconds=container.settings.shipping.simulated_step_seconds,
        exception_every=exception_every,
        origin_city=container.settings.shipping.origin_city,
        clock=clock,
    )
    container.carriers = registry


async def staff_headers(container: Container) -> dict[str, str]:
    return auth_headers(container, await create_user(container, role="staff"))


async def paid_order(
    client: httpx.AsyncClient,
    container: Container,
    lines: dict[str, int] | None = None,
    *,
    headers: dict[str, str] | None = None,
    email_address: str | None = None,
    method: str = "standard",
) -> dict[str, Any]:
    lines = lines or {"SHIP-1": 1}
    for sku in lines:
        await create_product(container, price=1500, stock=20, skus=[sku])
    if headers is None:
        headers = auth_headers(container, await create_user(container))
    cart_id = await ready_cart(client, lines, headers=headers, email=email_address, method=method)
    placed = expect(await checkout(client, cart_id, headers=headers), 201)
    await pay(client, placed)
    return {**placed, "headers": headers}


async def ship(
    client: httpx.AsyncClient, staff: dict[str, str], order_id: str, **body: Any
) -> dict[str, Any]:
    return expect(
        await client.post(
            f"{API}/admin/shipments", json={"order_id": order_id, **body}, headers=staff
        ),
        201,
    )


async def emails(container: Container) -> list[tuple[str, str]]:
    """(recipient, subject) of every email written so far, after handling pending events."""
    await dispatch_pending_events(container)
    found = []
    for path in sorted((container.settings.data_dir / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        found.append((str(message["To"]), str(message["Subject"])))
    return found


def shipment_subjects(found: list[tuple[str, str]], order_number: str) -> list[str]:
    return sorted(
        subject
        for _, subject in found
        if order_number in subject
        and "payment" not in subject.lower()
        and "received" not in subject.lower()
        and "confirmed" not in subject.lower()
    )
