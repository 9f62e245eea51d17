"""Admin API shapes for dead-lettered tasks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DeadTaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    task_id: str
    task_name: str
    queue: str | None
    args: list[Any]
    task_kwargs: dict[str, Any] = Field(validation_alias="kwargs")
    retries: int
    error: str
    failed_at: datetime
    replayed_at: datetime | None
    replay_count: int


class DeadTaskList(BaseModel):
    items: list[DeadTaskRead]
