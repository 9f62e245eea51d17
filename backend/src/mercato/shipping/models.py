"""Shipment tables: a shipment of some order lines, its lines, its tracking events and the
carrier webhook events already applied (de-duplication)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id

SHIPMENT_STATUSES = (
    "label_created",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "exception",
    "returned",
    "voided",
)
# Once there, tracking events never move a shipment again (a late `in_transit` is history only).
FINAL_STATUSES = frozenset({"delivered", "returned", "voided"})
# The parcel has left the shop: the order counts as shipped once every shipment is past this.
HANDED_OVER = frozenset({"in_transit", "out_for_delivery", "delivered", "exception", "returned"})


class Shipment(Base):
    __tablename__ = "shipment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(32))  # our provider name: simulated | easypost
    carrier_name: Mapped[str] = mapped_column(String(64))  # as shown: "Mercato Post", "USPS"
    service: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str] = mapped_column(String(64), unique=True)
    carrier_shipment_id: Mapped[str | None] = mapped_column(String(128), default=None)
    status: Mapped[str] = mapped_column(String(24), default="label_created")
    weight_grams: Mapped[int]
    cost_amount: Mapped[int] = mapped_column(default=0)
    cost_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    label_name: Mapped[str | None] = mapped_column(String(255), default=None)  # in media storage
    label_content_type: Mapped[str | None] = mapped_column(String(64), default=None)
    estimated_delivery: Mapped[date | None] = mapped_column(default=None)
    # polling (carriers without webhooks): when to ask next, and failures in a row (backoff)
    tracking_mode: Mapped[str] = mapped_column(String(16), default="poll")  # poll | webhook
    next_poll_at: Mapped[datetime | None] = mapped_column(default=None)
    poll_failures: Mapped[int] = mapped_column(default=0)
    last_event_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    voided_at: Mapped[datetime | None] = mapped_column(default=None)

    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", lazy="selectin"
    )
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="TrackingEvent.occurred_at",
    )

    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in SHIPMENT_STATUSES) + ")", name="status"
        ),
        CheckConstraint("weight_grams > 0", name="weight_positive"),
        Index("ix_shipment_order", "order_id"),
        Index("ix_shipment_created", "created_at", "id"),
        Index("ix_shipment_status_created", "status", "created_at"),
        Index("ix_shipment_poll", "tracking_mode", "next_poll_at"),
    )


class ShipmentLine(Base):
    __tablename__ = "shipment_line"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipment.id", ondelete="CASCADE"))
    order_line_id: Mapped[uuid.UUID]
    quantity: Mapped[int]

    shipment: Mapped[Shipment] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        Index("ix_shipment_line_shipment", "shipment_id"),
    )


class TrackingEvent(Base):
    """One scan or status update, unique per shipment and carrier event key (idempotent merge)."""

    __tablename__ = "tracking_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipment.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(24))
    message: Mapped[str] = mapped_column(String(500), default="")
    location: Mapped[str | None] = mapped_column(String(200), default=None)
    occurred_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16), default="carrier")  # carrier|webhook|staff
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="events")

    __table_args__ = (
        UniqueConstraint("shipment_id", "event_key"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in SHIPMENT_STATUSES) + ")", name="status"
        ),
        Index("ix_tracking_event_shipment_time", "shipment_id", "occurred_at"),
    )


class CarrierWebhookEvent(Base):
    """A carrier webhook event applied once: inserted in the same transaction as its effect."""

    __tablename__ = "carrier_webhook_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    tracking_number: Mapped[str | None] = mapped_column(String(64), default=None)
    outcome: Mapped[str] = mapped_column(String(16), default="processed")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "event_id"),)
