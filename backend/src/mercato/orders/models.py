"""Order tables, the state machine's allowed transitions and the audit history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id

ORDER_STATUSES = (
    "pending_payment",
    "paid",
    "partially_fulfilled",
    "fulfilled",
    "shipped",
    "delivered",
    "cancelled",
    "partially_refunded",
    "refunded",
)
_REFUNDS = frozenset({"partially_refunded", "refunded"})
_AFTER_PAYMENT = frozenset(
    {"paid", "partially_fulfilled", "fulfilled", "shipped", "delivered", "partially_refunded"}
)

# Every allowed status change; anything else is 409 `invalid_transition`.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending_payment": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"partially_fulfilled", "fulfilled", "cancelled"}) | _REFUNDS,
    # back to paid / partially_fulfilled: staff voided a shipment's label (mercato.shipping)
    "partially_fulfilled": frozenset({"paid", "partially_fulfilled", "fulfilled", "shipped"})
    | _REFUNDS,
    "fulfilled": frozenset({"partially_fulfilled", "paid", "shipped"}) | _REFUNDS,
    "shipped": frozenset({"delivered"}) | _REFUNDS,
    "delivered": _REFUNDS,
    # After a partial refund, fulfilment carries on; the refund state is kept in amount_refunded.
    "partially_refunded": frozenset(
        {"partially_fulfilled", "fulfilled", "shipped", "delivered", "cancelled"}
    )
    | _REFUNDS,
    "refunded": frozenset({"cancelled"}),
    # Final: a payment arriving after cancellation or expiry is returned, never accepted (ADR 18).
    "cancelled": frozenset(),
}
PAID_STATUSES = _AFTER_PAYMENT | _REFUNDS


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


class Order(Base):
    __tablename__ = "shop_order"  # "order" is an SQL keyword

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(24), default="pending_payment")
    cart_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int]
    discount_total: Mapped[int] = mapped_column(default=0)
    shipping_total: Mapped[int] = mapped_column(default=0)
    tax_total: Mapped[int] = mapped_column(default=0)
    total: Mapped[int]
    prices_include_tax: Mapped[bool] = mapped_column(default=True)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    shipping_method: Mapped[dict[str, Any]] = mapped_column(JSON)
    discount_code: Mapped[str | None] = mapped_column(String(64), default=None)
    customer_note: Mapped[str | None] = mapped_column(String(1000), default=None)
    retry_url: Mapped[str | None] = mapped_column(
        String(500), default=None
    )  # the order page: pay again
    amount_paid: Mapped[int] = mapped_column(default=0)
    amount_refunded: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="OrderLine.position",
        lazy="selectin",
    )

    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in ORDER_STATUSES) + ")", name="status"
        ),
        CheckConstraint("total >= 0", name="total_non_negative"),
        CheckConstraint(
            "amount_refunded >= 0 AND amount_refunded <= amount_paid", name="refund_within_paid"
        ),
        Index("ix_shop_order_status_created", "status", "created_at"),
        Index("ix_shop_order_customer_created", "customer_id", "created_at"),
        Index("ix_shop_order_created", "created_at", "id"),
    )


class OrderLine(Base):
    """A snapshot of what was bought: title, SKU, price and tax as they were at checkout."""

    __tablename__ = "order_line"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    variant_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    product_title: Mapped[str] = mapped_column(String(300))
    variant_title: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int]
    unit_price: Mapped[int]
    subtotal: Mapped[int]
    discount_amount: Mapped[int] = mapped_column(default=0)
    tax_rate_bp: Mapped[int] = mapped_column(default=0)
    tax_amount: Mapped[int] = mapped_column(default=0)
    total: Mapped[int]
    quantity_fulfilled: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(
            "quantity_fulfilled >= 0 AND quantity_fulfilled <= quantity", name="fulfilled_range"
        ),
        Index("ix_order_line_order", "order_id"),
    )


class OrderEvent(Base):
    """Append-only audit history: status changes, notes, fulfilments, payments."""

    __tablename__ = "order_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    # status | note | fulfilment | payment | payment_failed | payment_renewed | refund
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24), default=None)
    to_status: Mapped[str | None] = mapped_column(String(24), default=None)
    actor: Mapped[str] = mapped_column(String(200), default="system")
    note: Mapped[str | None] = mapped_column(String(2000), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_order_event_order_created", "order_id", "created_at"),)


class OrderRefund(Base):
    """One refund applied to an order, unique per provider reference (idempotent apply)."""

    __tablename__ = "order_refund"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "reference"),)


class OrderNumberCounter(Base):
    """A named counter for human-friendly order numbers (UPDATE ... RETURNING on both backends)."""

    __tablename__ = "order_number_counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int]


# PostgreSQL numbers orders from a sequence: nextval takes no row lock, so concurrent checkouts
# never queue for a number (SQLite has one writer anyway and keeps the counter row). Owned by
# shop_order.number, so it goes with the column and `TRUNCATE ... RESTART IDENTITY` restarts it.
ORDER_NUMBER_SEQUENCE = "order_number_seq"


def create_order_number_sequence(connection: Connection) -> None:
    """Registered in mercato.models.EXTRA_DDL (and called by migration 0007); idempotent."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(
        f"CREATE SEQUENCE IF NOT EXISTS {ORDER_NUMBER_SEQUENCE} AS bigint MINVALUE 1 "
        "OWNED BY shop_order.number"
    )
