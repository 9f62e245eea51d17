"""Backup verifications asked for from the admin ("verify now"); the worker runs them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id

ACTIVE_STATUSES = ("queued", "running")


class BackupVerification(Base):
    """One "verify now" request: queued -> running -> passed | failed (or interrupted, when a
    worker never finished it within the task's time limit)."""

    __tablename__ = "backup_verification"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    backup_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # True while queued or running, NULL after: the unique key allows one active verification
    # (NULLs never collide), so two clicks at once cannot start two restores.
    active: Mapped[bool | None] = mapped_column(Boolean, default=True)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    tables_checked: Mapped[int | None] = mapped_column(default=None)
    rows_checked: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        UniqueConstraint("active", name="uq_backup_verification_active"),
        Index("ix_backup_verification_requested_at", "requested_at"),
    )
