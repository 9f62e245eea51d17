"""The carrier port: rates, labels, tracking and signed tracking webhooks.

Implementations: `SimulatedCarrier` (offline, the `make run` default) and `EasyPostCarrier` (an
EasyPost-style HTTP API). They take and return the frozen dataclasses below; a carrier's wire
format never leaves its file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

# Our statuses (a carrier maps its own onto these).
TRACKING_STATUSES = (
    "label_created",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "exception",
    "returned",
)


class CarrierError(Exception):
    """The carrier refused a request (bad address, no such service, label already used...)."""

    def __init__(self, message: str, *, code: str = "carrier_error") -> None:
        super().__init__(message)
        self.code = code


class CarrierUnavailable(CarrierError):
    """The carrier could not be reached, timed out, or its circuit is open: try again later."""

    def __init__(self, message: str = "carrier unavailable") -> None:
        super().__init__(message, code="carrier_unavailable")


class WebhookRejected(Exception):
    """A webhook failed verification (signature, timestamp or shape): nothing may be written."""


@dataclass(frozen=True)
class ShipAddress:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None
    region: str | None = None
    company: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class RateRequest:
    origin: ShipAddress
    country: str
    postal_code: str | None
    region: str | None
    weight_grams: int
    currency: str


@dataclass(frozen=True)
class CarrierRate:
    rate_id: str
    carrier_name: str
    service: str
    amount: int  # minor units
    currency: str
    delivery_days: int | None


@dataclass(frozen=True)
class LabelRequest:
    reference: str  # our shipment id: the idempotency key of the purchase
    origin: ShipAddress
    destination: ShipAddress
    weight_grams: int
    service: str | None  # None: the cheapest
    currency: str


@dataclass(frozen=True)
class TrackingUpdate:
    key: str  # unique per shipment and event (the carrier's id, or derived from its fields)
    status: str  # one of TRACKING_STATUSES
    occurred_at: datetime
    message: str
    location: str | None = None


@dataclass(frozen=True)
class TrackingSnapshot:
    tracking_number: str
    status: str
    events: tuple[TrackingUpdate, ...] = ()
    estimated_delivery: date | None = None


@dataclass(frozen=True)
class PurchasedLabel:
    carrier_shipment_id: str
    tracking_number: str
    carrier_name: str
    service: str
    amount: int
    currency: str
    label: bytes  # the printable label (PDF or PNG)
    label_content_type: str
    estimated_delivery: date | None = None
    events: tuple[TrackingUpdate, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class TrackQuery:
    tracking_number: str
    carrier_shipment_id: str | None
    label_created_at: datetime


@dataclass(frozen=True)
class WebhookNotice:
    """A verified tracking webhook: the event id (de-duplication) and the tracker's state."""

    event_id: str
    occurred_at: datetime
    snapshot: TrackingSnapshot


class Carrier(Protocol):
    name: str  # the provider name in URLs and settings: "simulated", "easypost"
    sends_webhooks: bool  # False: the polling job asks for updates

    async def rates(self, request: RateRequest) -> list[CarrierRate]:
        """Priced services for a parcel to a destination; empty when none serves it."""
        ...

    async def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        """Buy (or create) the label; at most once per `request.reference`."""
        ...

    async def track(self, query: TrackQuery) -> TrackingSnapshot:
        """The carrier's current view of a shipment (for polling)."""
        ...

    async def void_label(self, carrier_shipment_id: str) -> None:
        """Cancel an unused label (refund); CarrierError when the carrier refuses."""
        ...

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookNotice:
        """Check the signature over the raw body and the timestamp; WebhookRejected otherwise."""
        ...

    async def close(self) -> None: ...
