"""Transactional outbox: domain events are rows written in the same transaction as the change.

`record_event(session, "OrderPlaced", {...})` adds the row to the caller's unit of work, so the
event exists if and only if the change committed. The relay (mercato.worker) publishes pending
rows to the broker; handlers de-duplicate by event id.

Secrets inside payloads (e.g. a password-reset token) must be encrypted with
`Container.secret_box` before they are recorded.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id
from mercato.platform.metrics import count_business_event


class OutboxEvent(Base):
    __tablename__ = "outbox_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)
    publish_attempts: Mapped[int] = mapped_column(default=0)
    # When the relay may (re)publish it: the claim lease, the broker-outage backoff or the
    # republish timeout for an event that was published but never processed.
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # Its handler exhausted its retries: see the task dead-letter table (replayable).
    dead_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_outbox_event_pending", "processed_at", "published_at"),)


def record_event(session: AsyncSession, event_type: str, payload: dict[str, Any]) -> OutboxEvent:
    """Add an event to the current transaction. It is published only if the transaction commits."""
    event = OutboxEvent(id=new_id(), event_type=event_type, payload=payload, created_at=utcnow())
    session.add(event)
    note_event(session, event)
    return event


def note_event(session: AsyncSession, event: OutboxEvent) -> None:
    """What follows an event of this transaction once it commits: the relay publishes it (by
    id) and its business counters count. `record_event` calls it; a caller whose own statement
    wrote the event's row (its payload computed in SQL) calls it for that row, with the payload
    the row holds."""
    after_commit = session.info.setdefault("outbox_after_commit", [])
    after_commit.append(event.id)
    count_business_event(session, event.event_type, event.payload)  # only if the commit succeeds


def take_pending(session: AsyncSession) -> list[OutboxEvent]:
    """The events recorded in this transaction and not yet written, taken out of the unit of
    work for the caller to write with its own new rows (`db.insert_new`: on PostgreSQL in the
    same statement, one round trip fewer than the commit's flush). The relay after commit still
    publishes them (it goes by their ids)."""
    pending = [obj for obj in session.new if isinstance(obj, OutboxEvent)]
    for event in pending:
        session.expunge(event)
    return pending
