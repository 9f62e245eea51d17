"""The simulated carrier: local rates per zone and weight, PDF labels with a Code 128 barcode,
and tracking that advances on a deterministic schedule, so the whole lifecycle shows offline.

Schedule, in steps of `MERCATO_SHIPPING__SIMULATED_STEP_SECONDS` after the label was created:
1 picked up (in_transit), 2 at the sorting centre, 3 out for delivery, 4 delivered. One tracking
number in `SIMULATED_EXCEPTION_EVERY` (chosen by a hash of the number, so always the same ones)
is held at the depot at step 3 (exception) and recovers at step 4, two steps later overall.
No webhooks: the polling job asks `track()`, which computes the events up to the clock's now.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from mercato.platform.clock import Clock, as_utc, utcnow
from mercato.shipping.labels import LABEL_CONTENT_TYPE, render_label
from mercato.shipping.providers.port import (
    CarrierError,
    CarrierRate,
    LabelRequest,
    PurchasedLabel,
    RateRequest,
    TrackingSnapshot,
    TrackingUpdate,
    TrackQuery,
    WebhookNotice,
    WebhookRejected,
)

CARRIER_NAME = "Mercato Post"
PREFIX = "MP"
# Crockford's base32: no I, L, O, U (nothing to misread on a label or over the phone)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARS = 18  # 90 bits from `secrets`: not guessable, not enumerable
EU = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)
# (base price, price per started kg, delivery days) per zone; Express costs 1.8x, is faster
_ZONES: dict[str, tuple[int, int, int]] = {
    "domestic": (450, 60, 2),
    "eu": (850, 120, 4),
    "world": (1500, 400, 8),
}


def _check_char(body: str) -> str:
    """Odd weights are invertible mod 32: every single-character typo changes the check."""
    total = sum((2 * i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_tracking_number() -> str:
    """`MP` + 18 random base32 characters + a check character (typos fail without a lookup)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return f"{PREFIX}{body}{_check_char(body)}"


def is_tracking_number(value: str) -> bool:
    if len(value) != len(PREFIX) + RANDOM_CHARS + 1 or not value.startswith(PREFIX):
        return False
    body, check = value[len(PREFIX) : -1], value[-1]
    return all(ch in ALPHABET for ch in body) and _check_char(body) == check


def zone_of(origin_country: str, country: str) -> str:
    if country.upper() == origin_country.upper():
        return "domestic"
    return "eu" if country.upper() in EU else "world"


def has_exception(tracking_number: str, every: int) -> bool:
    """Deterministic per tracking number: one in `every` (0: never)."""
    if every <= 0:
        return False
    digest = hashlib.sha256(tracking_number.encode()).digest()
    return int.from_bytes(digest[:8], "big") % every == 0


class SimulatedCarrier:
    name = "simulated"
    sends_webhooks = False

    def __init__(
        self,
        *,
        step_seconds: float,
        exception_every: int,
        origin_city: str,
        clock: Clock = utcnow,
    ) -> None:
        self._step = timedelta(seconds=step_seconds)
        self._exception_every = exception_every
        self._origin_city = origin_city
        self._clock = clock

    # ----------------------------------------------------------------------- rates

    async def rates(self, request: RateRequest) -> list[CarrierRate]:
        zone = zone_of(request.origin.country, request.country)
        base, per_kg, days = _ZONES[zone]
        kilos = max(1, -(-request.weight_grams // 1000))  # started kilograms
        standard = base + per_kg * (kilos - 1)
        return [
            CarrierRate(
                rate_id=f"sim_{zone}_standard",
                carrier_name=CARRIER_NAME,
                service="Standard",
                amount=standard,
                currency=request.currency,
                delivery_days=days,
            ),
            CarrierRate(
                rate_id=f"sim_{zone}_express",
                carrier_name=CARRIER_NAME,
                service="Express",
                amount=standard * 18 // 10,
                currency=request.currency,
                delivery_days=max(1, days // 2),
            ),
        ]

    # ----------------------------------------------------------------------- labels

    def _schedule(self, tracking_number: str) -> list[tuple[int, str, str]]:
        """(step, status, message) for the whole journey."""
        plan = [
            (1, "in_transit", f"Picked up by {CARRIER_NAME}"),
            (2, "in_transit", "Arrived at the sorting centre"),
        ]
        delay = 0
        if has_exception(tracking_number, self._exception_every):
            plan += [
                (3, "exception", "Delivery delayed: the parcel is held at the depot"),
                (4, "in_transit", "Back on its way after the delay"),
            ]
            delay = 2
        plan += [
            (3 + delay, "out_for_delivery", "Out for delivery"),
            (4 + delay, "delivered", "Delivered"),
        ]
        return plan

    def _estimate(self, tracking_number: str, created: datetime) -> date:
        last_step = self._schedule(tracking_number)[-1][0]
        return (created + self._step * last_step).date()

    async def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        if request.weight_grams <= 0:
            raise CarrierError("A parcel must weigh something.", code="invalid_parcel")
        rates = await self.rates(
            RateRequest(
                origin=request.origin,
                country=request.destination.country,
                postal_code=request.destination.postal_code,
                region=request.destination.region,
                weight_grams=request.weight_grams,
                currency=request.currency,
            )
        )
        wanted = (request.service or "").lower()
        rate = next((r for r in rates if r.service.lower() == wanted), None) if wanted else None
        if rate is None and wanted:
            raise CarrierError(f"No service {request.service!r}.", code="unknown_service")
        rate = rate or min(rates, key=lambda r: r.amount)
        tracking_number = new_tracking_number()
        created = self._clock()
        label = render_label(
            tracking_number=tracking_number,
            carrier_name=CARRIER_NAME,
            service=rate.service,
            weight_grams=request.weight_grams,
            origin=request.origin,
            destination=request.destination,
        )
        return PurchasedLabel(
            carrier_shipment_id=f"sim_{request.destination.country.upper()}_{uuid.uuid4().hex}",
            tracking_number=tracking_number,
            carrier_name=CARRIER_NAME,
            service=rate.service,
            amount=rate.amount,
            currency=rate.currency,
            label=label,
            label_content_type=LABEL_CONTENT_TYPE,
            estimated_delivery=self._estimate(tracking_number, created),
            events=(
                TrackingUpdate(
                    key=f"{tracking_number}-0",
                    status="label_created",
                    occurred_at=created,
                    message="Label created, waiting for pickup",
                    location=self._origin_city,
                ),
            ),
        )

    # ----------------------------------------------------------------------- tracking

    def _location(self, status: str, step: int, country: str) -> str | None:
        if status == "delivered":
            return None
        if step == 1:
            return f"{self._origin_city} depot"
        if status == "out_for_delivery" or status == "exception":
            return f"Delivery depot, {country}"
        return f"Sorting centre, {country}"

    async def track(self, query: TrackQuery) -> TrackingSnapshot:
        if not is_tracking_number(query.tracking_number):
            raise CarrierError("Unknown tracking number.", code="unknown_tracking_number")
        created = as_utc(query.label_created_at)
        now = self._clock()
        parts = (query.carrier_shipment_id or "").split("_")
        country = parts[1] if len(parts) == 3 else "—"
        events = [
            TrackingUpdate(
                key=f"{query.tracking_number}-0",
                status="label_created",
                occurred_at=created,
                message="Label created, waiting for pickup",
                location=self._origin_city,
            )
        ]
        for index, (step, status, message) in enumerate(self._schedule(query.tracking_number)):
            at = created + self._step * step
            if at > now:
                break
            events.append(
                TrackingUpdate(
                    key=f"{query.tracking_number}-{index + 1}",
                    status=status,
                    occurred_at=at,
                    message=message,
                    location=self._location(status, step, country),
                )
            )
        return TrackingSnapshot(
            tracking_number=query.tracking_number,
            status=events[-1].status,
            events=tuple(events),
            estimated_delivery=self._estimate(query.tracking_number, created),
        )

    async def void_label(self, carrier_shipment_id: str) -> None:
        del carrier_shipment_id  # nothing was charged: a local label is simply discarded

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookNotice:
        del raw_body, headers
        raise WebhookRejected("the simulated carrier sends no webhooks")

    async def close(self) -> None:
        return None
