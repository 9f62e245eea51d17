"""Outbox event handlers: registry, de-duplication and the handling of one event.

A handler is `async def handler(container, event) -> None` registered with `@event_handler(...)`.
It may run more than once for the same event (at-least-once delivery), so it records its effect
with `mark_processed(session, event.id, consumer)` in the same transaction as that effect and
checks `is_processed(...)` first. The event counts as delivered (`outbox_event.processed_at`)
only once every handler for its type has returned.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.platform.clock import utcnow
from mercato.platform.outbox import OutboxEvent
from mercato.platform.ports import PlatformPorts
from mercato.worker.models import ProcessedEvent

log = structlog.get_logger("mercato.worker.events")

# Modules whose import registers handlers (add yours here).
HANDLER_MODULES = ("mercato.notifications.handlers", "mercato.revalidation.handlers")


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    type: str
    payload: dict[str, Any]
    created_at: datetime


HandlerFn = Callable[[PlatformPorts, Event], Awaitable[None]]


@dataclass(frozen=True)
class EventHandler:
    consumer: str
    queue: str
    fn: HandlerFn


_HANDLERS: dict[str, list[EventHandler]] = {}
_loaded = False


def event_handler(
    *event_types: str, consumer: str, queue: str = "default"
) -> Callable[[HandlerFn], HandlerFn]:
    def register(fn: HandlerFn) -> HandlerFn:
        for event_type in event_types:
            handlers = _HANDLERS.setdefault(event_type, [])
            if all(h.consumer != consumer for h in handlers):
                handlers.append(EventHandler(consumer=consumer, queue=queue, fn=fn))
        return fn

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in HANDLER_MODULES:
            importlib.import_module(module)
        _loaded = True


def handlers_for(event_type: str) -> list[EventHandler]:
    _load()
    return list(_HANDLERS.get(event_type, ()))


def queue_for(event_type: str) -> str:
    """The queue an event's task goes to: its first handler's (mail events go to `mail`)."""
    handlers = handlers_for(event_type)
    return handlers[0].queue if handlers else "default"


async def is_processed(session: AsyncSession, event_id: uuid.UUID, consumer: str) -> bool:
    query = select(
        exists().where(ProcessedEvent.event_id == event_id, ProcessedEvent.consumer == consumer)
    )
    return bool(await session.scalar(query))


def mark_processed(session: AsyncSession, event_id: uuid.UUID, consumer: str) -> None:
    """Record the consumer's effect; the unique (event_id, consumer) key rejects a second one."""
    session.add(ProcessedEvent(event_id=event_id, consumer=consumer, processed_at=utcnow()))


async def load_event(container: PlatformPorts, event_id: uuid.UUID) -> OutboxEvent | None:
    async with container.db.session(write=False) as session:
        return await session.get(OutboxEvent, event_id)


async def handle_event(container: PlatformPorts, event_id: uuid.UUID) -> bool:
    """Run every handler for one event, then mark it processed. False if there was nothing to do."""
    row = await load_event(container, event_id)
    if row is None or row.processed_at is not None:
        log.info("event_skipped", event_id=str(event_id), reason="unknown or already processed")
        return False
    event = Event(
        id=row.id, type=row.event_type, payload=dict(row.payload), created_at=row.created_at
    )
    for handler in handlers_for(event.type):
        await handler.fn(container, event)
    async with container.db.session() as session:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.processed_at.is_(None))
            .values(processed_at=utcnow(), dead_at=None, last_error=None)
        )
    log.info("event_processed", event_id=str(event_id), event_type=event.type)
    return True


async def postpone_republish(
    container: PlatformPorts, event_id: uuid.UUID, seconds: float, error: str
) -> None:
    """A handler is retrying: keep the relay from republishing the event meanwhile."""
    from datetime import timedelta

    async with container.db.session() as session:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.processed_at.is_(None))
            .values(next_attempt_at=utcnow() + timedelta(seconds=seconds), last_error=error[:2000])
        )


async def mark_dead(container: PlatformPorts, event_id: uuid.UUID, error: str) -> None:
    """Its handler gave up: the relay stops republishing it until it is replayed."""
    from mercato.worker.metrics import OUTBOX_DEAD_LETTERED

    async with container.db.session() as session:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.processed_at.is_(None))
            .values(dead_at=utcnow(), last_error=error[:2000])
        )
    OUTBOX_DEAD_LETTERED.inc()


async def dispatch_pending_events(container: PlatformPorts, *, limit: int = 1000) -> int:
    """Test and CLI helper: handle every pending event inline (no broker, no worker).

    Lets API tests assert "an email was produced" without a worker. Handler errors propagate.
    """
    async with container.db.session(write=False) as session:
        ids = list(
            await session.scalars(
                select(OutboxEvent.id)
                .where(OutboxEvent.processed_at.is_(None), OutboxEvent.dead_at.is_(None))
                .order_by(OutboxEvent.created_at)
                .limit(limit)
            )
        )
    handled = 0
    for event_id in ids:
        async with container.db.session() as session:
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id, OutboxEvent.published_at.is_(None))
                .values(published_at=utcnow(), publish_attempts=OutboxEvent.publish_attempts + 1)
            )
        if await handle_event(container, event_id):
            handled += 1
    return handled
