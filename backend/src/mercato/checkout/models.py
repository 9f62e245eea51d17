"""Checkout tables: stored idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id

DISCOUNT_KINDS = ("percentage", "fixed", "free_shipping")


class IdempotencyKey(Base):
    """A claimed `Idempotency-Key`: in_progress while the work runs, then the stored response."""

    __tablename__ = "idempotency_key"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(80))  # "user:<uuid>" or "guest"
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    owner: Mapped[str] = mapped_column(String(64))  # the claim's random token
    locked_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_status: Mapped[int | None] = mapped_column(default=None)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        UniqueConstraint("scope", "key"),
        CheckConstraint("status IN ('in_progress', 'completed')", name="status"),
        Index("ix_idempotency_key_created_at", "created_at"),
    )
