"""Admin API shapes for dead-lettered tasks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from mercato.worker.models import TaskDeadLetter


class DeadTaskRead(BaseModel):
    id: uuid.UUID
    task_id: str
    task_name: str
    queue: str | None
    args: list[Any]
    task_kwargs: dict[str, Any]
    retries: int
    error: str
    failed_at: datetime
    replayed_at: datetime | None
    replay_count: int

    @classmethod
    def from_row(cls, row: TaskDeadLetter) -> DeadTaskRead:
        return cls(
            id=row.id,
            task_id=row.task_id,
            task_name=row.task_name,
            queue=row.queue,
            args=list(row.args),
            task_kwargs=dict(row.kwargs),
            retries=row.retries,
            error=row.error,
            failed_at=row.failed_at,
            replayed_at=row.replayed_at,
            replay_count=row.replay_count,
        )


class DeadTaskList(BaseModel):
    items: list[DeadTaskRead]
    next_cursor: str | None
