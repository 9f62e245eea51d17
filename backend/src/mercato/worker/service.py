"""Dead-letter table: record, list and replay tasks that exhausted their retries."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.platform.clock import utcnow
from mercato.platform.errors import NotFound, ServiceUnavailable
from mercato.platform.outbox import OutboxEvent
from mercato.platform.pagination import newest_first
from mercato.platform.ports import PlatformPorts
from mercato.worker.models import TaskDeadLetter


class TaskSender(Protocol):
    def send(
        self, task_name: str, args: list[Any], kwargs: dict[str, Any], queue: str | None
    ) -> None: ...


class CelerySender:
    def __init__(self, container: PlatformPorts) -> None:
        from mercato.worker.celery_app import build_celery

        self._settings = container.settings
        self._app = build_celery(container.settings)

    def send(
        self, task_name: str, args: list[Any], kwargs: dict[str, Any], queue: str | None
    ) -> None:
        try:
            with self._app.connection_for_write() as conn:
                conn.ensure_connection(
                    max_retries=1,
                    timeout=int(max(1, self._settings.worker.publish_timeout_seconds)),
                )
                self._app.send_task(
                    task_name, args=args, kwargs=kwargs, queue=queue, connection=conn, retry=False
                )
        finally:
            self._app.close()


async def record_dead_letter(
    container: PlatformPorts,
    *,
    task_id: str,
    task_name: str,
    queue: str | None,
    args: list[Any],
    kwargs: dict[str, Any],
    retries: int,
    error: str,
) -> TaskDeadLetter:
    async with container.db.session() as session:
        row = TaskDeadLetter(
            task_id=task_id,
            task_name=task_name,
            queue=queue,
            args=args,
            kwargs=kwargs,
            retries=retries,
            error=error[:10000],
            failed_at=utcnow(),
        )
        session.add(row)
    return row


async def list_dead_letters(
    session: AsyncSession,
    *,
    include_replayed: bool = False,
    limit: int = 100,
    cursor: str | None = None,
) -> tuple[list[TaskDeadLetter], str | None]:
    """A page of dead letters, newest failure first, and the cursor of the next page."""
    query = select(TaskDeadLetter)
    if not include_replayed:
        query = query.where(TaskDeadLetter.replayed_at.is_(None))
    return await newest_first(
        session, query, TaskDeadLetter.failed_at, TaskDeadLetter.id, limit=limit, cursor=cursor
    )


async def count_dead_letters(session: AsyncSession) -> int:
    """Dead letters not replayed yet."""
    found = await session.scalar(
        select(func.count(TaskDeadLetter.id)).where(TaskDeadLetter.replayed_at.is_(None))
    )
    return int(found or 0)


async def replay_dead_letter(
    session: AsyncSession,
    container: PlatformPorts,
    dead_letter_id: uuid.UUID,
    sender: TaskSender | None = None,
) -> TaskDeadLetter:
    """Publish the task again with a fresh retry budget. An outbox event becomes pending again.

    Runs in the caller's unit of work (the admin request's). If that later rolls back, the task
    was still published: at-least-once, and handlers de-duplicate.
    """
    from mercato.worker.relay import HANDLE_EVENT_TASK, republish_delay

    row = await session.get(TaskDeadLetter, dead_letter_id, with_for_update=True)
    if row is None:
        raise NotFound("No such dead-lettered task.", code="dead_letter_not_found")
    sender = sender or CelerySender(container)
    try:
        await asyncio.to_thread(
            sender.send, row.task_name, list(row.args), dict(row.kwargs), row.queue
        )
    except Exception as exc:
        raise ServiceUnavailable(
            "The task broker is unreachable; try again.", code="broker_unavailable"
        ) from exc
    now = utcnow()
    row.replayed_at = now
    row.replay_count += 1
    if row.task_name == HANDLE_EVENT_TASK and row.args:
        # the relay watches it again, as if it had just been published
        delay: timedelta = republish_delay(container.settings, 1)
        await session.execute(
            update(OutboxEvent)
            .where(
                OutboxEvent.id == uuid.UUID(str(row.args[0])), OutboxEvent.processed_at.is_(None)
            )
            .values(dead_at=None, next_attempt_at=now + delay)
        )
    await session.flush()
    return row
