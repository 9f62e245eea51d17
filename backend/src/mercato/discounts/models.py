"""Discount tables: codes and their redemptions (one per order that used a code)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id


class DiscountCode(Base):
    __tablename__ = "discount_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # stored upper-case
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(default=0)  # percent (1..100) or minor units
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    min_subtotal: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    usage_limit: Mapped[int | None] = mapped_column(default=None)
    per_customer_limit: Mapped[int | None] = mapped_column(default=None)
    used_count: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('percentage', 'fixed', 'free_shipping')", name="kind"),
        CheckConstraint("used_count >= 0", name="used_count_non_negative"),
        CheckConstraint("usage_limit IS NULL OR used_count <= usage_limit", name="within_limit"),
        Index("ix_discount_code_created", "created_at", "id"),  # the admin's list, newest first
    )


class DiscountRedemption(Base):
    """One use of a code by one order. `use_number` makes the per-customer limit race-safe."""

    __tablename__ = "discount_redemption"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    discount_code_id: Mapped[uuid.UUID] = mapped_column()
    order_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    customer_key: Mapped[str] = mapped_column(String(340))  # "user:<uuid>" or "email:<address>"
    # the order's address lower case, without a `+tag` (a signed-in customer's too)
    customer_email: Mapped[str | None] = mapped_column(String(320), default=None, index=True)
    use_number: Mapped[int | None] = mapped_column(default=None)  # set with a per-customer limit
    amount: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("discount_code_id", "customer_key", "use_number"),
        # a code's usage, newest first (and its counts: the prefix)
        Index("ix_discount_redemption_code_created", "discount_code_id", "created_at", "id"),
    )
