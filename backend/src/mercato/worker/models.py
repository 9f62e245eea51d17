"""Worker tables: handler de-duplication and the dead-letter queue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id


class ProcessedEvent(Base):
    """One row per (event, consumer) once the consumer's effect is done: at-least-once in,
    exactly-one effect out. Written in the same transaction as the consumer's DB effect."""

    __tablename__ = "processed_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    event_id: Mapped[uuid.UUID] = mapped_column()
    consumer: Mapped[str] = mapped_column(String(100))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "consumer"),)


class TaskDeadLetter(Base):
    """A task that exhausted its retries (or failed for good). `replay` publishes it again."""

    __tablename__ = "task_dead_letter"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(String(64))
    task_name: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str | None] = mapped_column(String(100), default=None)
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    retries: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    replayed_at: Mapped[datetime | None] = mapped_column(default=None)
    replay_count: Mapped[int] = mapped_column(default=0)
