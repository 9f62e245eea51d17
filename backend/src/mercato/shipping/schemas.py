"""Shipping API shapes: the customer's and staff's shipment, the public tracking view (no name,
address or email), admin requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mercato.platform.money import Money
from mercato.platform.strict import StrictInput


class TrackingEventRead(BaseModel):
    status: str
    message: str
    location: str | None
    occurred_at: datetime


class ShipmentLineRead(BaseModel):
    line_id: uuid.UUID
    quantity: int


class ShipmentRead(BaseModel):
    """A shipment as its customer sees it (`GET /orders/{id}/shipments`)."""

    id: uuid.UUID
    carrier: str = Field(description="The carrier as shown to people, e.g. 'Mercato Post'")
    service: str
    tracking_number: str
    tracking_url: str = Field(description="The public tracking page on the storefront")
    status: str = Field(
        description="label_created, in_transit, out_for_delivery, delivered, exception, "
        "returned or voided"
    )
    estimated_delivery: date | None
    lines: list[ShipmentLineRead]
    events: list[TrackingEventRead] = Field(description="Oldest first")
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None


class ShipmentList(BaseModel):
    """An order's shipments (a handful): `next_cursor` is always null."""

    items: list[ShipmentRead]
    next_cursor: str | None


class AdminShipmentRead(ShipmentRead):
    order_id: uuid.UUID
    provider: str = Field(description="The carrier integration: simulated or easypost")
    carrier_shipment_id: str | None
    weight_grams: int
    cost: Money
    label_url: str | None = Field(description="The label (PDF), for staff only")
    tracking_mode: str = Field(description="poll (the polling job asks) or webhook")
    next_poll_at: datetime | None
    poll_failures: int
    voided_at: datetime | None
    updated_at: datetime


class AdminShipmentPage(BaseModel):
    items: list[AdminShipmentRead]
    next_cursor: str | None


class PublicTrackingEventRead(BaseModel):
    status: str
    message: str
    location: str | None = Field(description="A depot or sorting centre; never an address")
    occurred_at: datetime


class TrackingRead(BaseModel):
    """Public tracking: status and events only; no name, address, email or order."""

    tracking_number: str
    carrier: str
    service: str
    status: str
    estimated_delivery: date | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    events: list[PublicTrackingEventRead] = Field(description="Oldest first")


class _Input(StrictInput):
    model_config = ConfigDict(extra="forbid")


class ShipmentItem(_Input):
    line_id: uuid.UUID
    quantity: int = Field(gt=0, le=1_000_000)


class ShipmentCreate(_Input):
    order_id: uuid.UUID
    items: list[ShipmentItem] | None = Field(
        default=None, max_length=500, description="Lines and quantities; omitted: all left"
    )
    service: str | None = Field(
        default=None, min_length=1, max_length=64, description="Carrier service; omitted: cheapest"
    )
    weight_grams: int | None = Field(
        default=None, gt=0, le=1_000_000, description="Parcel weight; omitted: from the products"
    )

    @field_validator("items")
    @classmethod
    def _each_line_once(cls, items: list[ShipmentItem] | None) -> list[ShipmentItem] | None:
        if items is not None and len({item.line_id for item in items}) != len(items):
            raise ValueError("each order line may be listed once (give its whole quantity)")
        return items


class DeliverRequest(_Input):
    note: str | None = Field(default=None, max_length=200, description="e.g. 'Left with neighbour'")


class WebhookAck(BaseModel):
    event_id: str
    outcome: str = Field(description="processed, duplicate, unmatched")
