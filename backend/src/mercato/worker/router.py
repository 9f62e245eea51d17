"""Staff-only admin routes for dead-lettered tasks (`/api/v1/admin/tasks/dead`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from mercato.accounts.dependencies import StaffUser
from mercato.platform.deps import ContainerDep, SessionDep
from mercato.platform.strict import QueryBool
from mercato.worker import service
from mercato.worker.schemas import DeadTaskList, DeadTaskRead

router = APIRouter(prefix="/admin/tasks", tags=["admin-tasks"])


@router.get("/dead", operation_id="listDeadTasks", summary="Tasks that exhausted their retries")
async def list_dead_tasks(
    _staff: StaffUser,
    session: SessionDep,
    include_replayed: QueryBool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DeadTaskList:
    rows, next_cursor = await service.list_dead_letters(
        session, include_replayed=include_replayed, limit=limit, cursor=cursor
    )
    return DeadTaskList(items=[DeadTaskRead.from_row(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/dead/{dead_letter_id}/replay",
    operation_id="replayDeadTask",
    summary="Publish a dead-lettered task again",
    responses={404: {"description": "Unknown id"}, 503: {"description": "Broker unreachable"}},
)
async def replay_dead_task(
    dead_letter_id: uuid.UUID, _staff: StaffUser, session: SessionDep, container: ContainerDep
) -> DeadTaskRead:
    row = await service.replay_dead_letter(session, container, dead_letter_id)
    return DeadTaskRead.from_row(row)
