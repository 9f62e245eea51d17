"""Cart tables: a server-side cart (its random id is the storefront's cookie) and its lines."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id

CART_STATUSES = ("open", "checked_out", "merged")


class Cart(Base):
    __tablename__ = "cart"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)  # uuid4: unguessable
    customer_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    shipping_method: Mapped[str | None] = mapped_column(String(64), default=None)
    discount_code: Mapped[str | None] = mapped_column(String(64), default=None)
    order_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart",
        cascade="all, delete-orphan",
        order_by="CartLine.position",
        lazy="selectin",
    )

    __table_args__ = (
        CheckConstraint("status IN ('open', 'checked_out', 'merged')", name="status"),
        Index("ix_cart_expires_at", "expires_at"),
        Index("ix_cart_status_updated", "status", "updated_at"),
    )


class CartLine(Base):
    __tablename__ = "cart_line"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    cart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cart.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines")

    __table_args__ = (
        UniqueConstraint("cart_id", "sku"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )
