"""The admin's view of the backups, and "verify now".

`overview` reads the backup store (the index entries and `status.json`) and the recent verification
requests. `request_verification` records a queued `BackupVerification` and publishes the
`mercato.backups.verify` task; the worker runs `run_verification`: the same restore-into-scratch
check as `mercato backup verify` (minutes for a big shop, hence a task and not the request), then
records the outcome in the row and in `status.json` (the backup metrics).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.backups.exceptions import BackupConfigError, BackupError
from mercato.backups.models import ACTIVE_STATUSES, BackupVerification
from mercato.backups.service import BackupInfo, BackupService
from mercato.platform.clock import utcnow
from mercato.platform.errors import Conflict, NotFound, ServiceUnavailable

if TYPE_CHECKING:
    from mercato.platform.config import Settings
    from mercato.platform.ports import PlatformPorts
    from mercato.worker.service import TaskSender

log = structlog.get_logger("mercato.backups")

VERIFY_TASK = "mercato.backups.verify"
VERIFY_QUEUE = "default"
# The task's hard time limit; a verification still queued or running after it never finishes.
VERIFY_TIME_LIMIT_SECONDS = 6 * 3600
RECENT_VERIFICATIONS = 10
INTERRUPTED = "No worker finished this verification within its time limit."


@dataclass
class BackupOverview:
    configured: bool
    problem: str | None
    storage: str
    storage_error: str | None
    schedule_enabled: bool
    schedule_hour_utc: int
    status: dict[str, Any]
    backups: list[BackupInfo] = field(default_factory=list)
    verifications: list[BackupVerification] = field(default_factory=list)


def _read_store(service: BackupService) -> tuple[list[BackupInfo], dict[str, Any], str | None]:
    """The backups and status.json; an unreachable store is reported, not raised."""
    try:
        return service.backups(), service.read_status(), None
    except Exception as exc:  # a bucket that is down or refuses the credentials
        log.warning("backup_store_unreadable", error=str(exc))
        return [], {}, f"The backup store could not be read: {exc}"


def _service(settings: Settings) -> tuple[BackupService | None, str | None]:
    """The backup service, or why there is none (an incomplete store setting, or no key)."""
    try:
        service = BackupService(settings)
    except BackupConfigError as exc:  # e.g. storage s3 without a bucket
        return None, str(exc)
    return service, service.key_problem()


async def overview(session: AsyncSession, container: PlatformPorts) -> BackupOverview:
    settings = container.settings
    service, problem = _service(settings)
    backups: list[BackupInfo] = []
    status: dict[str, Any] = {}
    storage_error = None
    if service is not None:
        backups, status, storage_error = await asyncio.to_thread(_read_store, service)
    verifications = list(
        await session.scalars(
            select(BackupVerification)
            .order_by(BackupVerification.requested_at.desc(), BackupVerification.id.desc())
            .limit(RECENT_VERIFICATIONS)
        )
    )
    return BackupOverview(
        configured=problem is None,
        problem=problem,
        storage=service.storage.description if service else "not configured",
        storage_error=storage_error,
        schedule_enabled=settings.backup.schedule_enabled,
        schedule_hour_utc=settings.backup.schedule_hour,
        status=status,
        backups=backups,
        verifications=verifications,
    )


def _stale_before() -> datetime:
    return utcnow() - timedelta(seconds=VERIFY_TIME_LIMIT_SECONDS)


def effective_status(row: BackupVerification) -> tuple[str, str | None]:
    """(status, error). Queued or running for longer than the task may run: it never finishes
    (its message expired, or its worker died), so it shows as interrupted."""
    if row.active and row.requested_at < _stale_before():
        return "interrupted", INTERRUPTED
    return row.status, row.error


async def get_verification(session: AsyncSession, verification_id: uuid.UUID) -> BackupVerification:
    row = await session.get(BackupVerification, verification_id)
    if row is None:
        raise NotFound("No such backup verification.", code="verification_not_found")
    return row


async def request_verification(
    session: AsyncSession,
    container: PlatformPorts,
    backup_id: str,
    *,
    requested_by: uuid.UUID | None,
    sender: TaskSender | None = None,
) -> BackupVerification:
    """Queue a verification of one stored backup. One at a time: a second request while one is
    queued or running is a 409 naming it.

    Commits the request's unit of work before publishing, so the worker always finds the row;
    a broker that is down leaves the row failed (committed too) and answers 503."""
    service, problem = _service(container.settings)
    if service is None or problem:
        raise Conflict(f"Backups are not configured: {problem}", code="backups_not_configured")
    backups, _status, storage_error = await asyncio.to_thread(_read_store, service)
    if storage_error:
        raise ServiceUnavailable(storage_error, code="backup_store_unavailable", retry_after=30)
    if backup_id not in {b.id for b in backups}:
        raise NotFound(
            f"No backup {backup_id} in {service.storage.description}.", code="backup_not_found"
        )
    await session.execute(  # free the slot a verification nobody finished still holds
        update(BackupVerification)
        .where(
            BackupVerification.active.is_(True), BackupVerification.requested_at < _stale_before()
        )
        .values(status="interrupted", active=None, finished_at=utcnow(), error=INTERRUPTED)
    )
    row = BackupVerification(
        id=uuid.uuid4(),
        backup_id=backup_id,
        status="queued",
        active=True,
        requested_by=requested_by,
        requested_at=utcnow(),
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        running = await session.scalar(
            select(BackupVerification.id).where(BackupVerification.active.is_(True))
        )
        raise Conflict(
            "A backup verification is already queued or running; wait for it to finish.",
            code="verification_in_progress",
            extra={"verification_id": str(running) if running else None},
        ) from None
    await session.commit()
    try:
        await asyncio.to_thread(_publish, container, row.id, sender)
    except Exception as exc:
        log.warning("backup_verify_publish_failed", error=repr(exc))
        row.status, row.active, row.finished_at = "failed", None, utcnow()
        row.error = "The task broker was unreachable; nothing was verified."
        await session.commit()
        raise ServiceUnavailable(
            "The task broker is unreachable; try again.", code="broker_unavailable"
        ) from exc
    log.info("backup_verification_requested", backup=backup_id, verification=str(row.id))
    return row


def _publish(
    container: PlatformPorts, verification_id: uuid.UUID, sender: TaskSender | None
) -> None:
    from mercato.worker.celery_app import queue_name
    from mercato.worker.service import CelerySender

    sender = sender or CelerySender(container)
    sender.send(
        VERIFY_TASK, [str(verification_id)], {}, queue_name(container.settings, VERIFY_QUEUE)
    )


async def _finish(
    container: PlatformPorts,
    verification_id: uuid.UUID,
    *,
    ok: bool,
    error: str | None = None,
    tables: int | None = None,
    rows: int | None = None,
) -> None:
    async with container.db.session() as session:
        await session.execute(
            update(BackupVerification)
            .where(BackupVerification.id == verification_id)
            .values(
                status="passed" if ok else "failed",
                active=None,
                finished_at=utcnow(),
                error=error,
                tables_checked=tables,
                rows_checked=rows,
            )
        )


async def run_verification(container: PlatformPorts, verification_id: uuid.UUID) -> str:
    """The worker's side: restore the backup into a scratch database and compare. Returns the
    final status. A redelivered task (its worker died mid-way) runs the verification again."""
    async with container.db.session() as session:
        row = await session.get(BackupVerification, verification_id, with_for_update=True)
        if row is None or row.status not in ACTIVE_STATUSES:
            log.info("backup_verification_skipped", verification=str(verification_id))
            return row.status if row else "missing"
        row.status, row.started_at = "running", utcnow()
        backup_id = row.backup_id
    service: BackupService | None = None
    try:
        service = BackupService(container.settings)
        result = await asyncio.to_thread(service.verify, backup_id)
    except BackupError as exc:  # the backup does not verify, or cannot be read: a result
        if service is not None:
            await asyncio.to_thread(_record, service, ok=False, error=str(exc))
        await _finish(container, verification_id, ok=False, error=str(exc)[:2000])
        return "failed"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        if service is not None:
            await asyncio.to_thread(_record, service, ok=False, error=error)
        await _finish(container, verification_id, ok=False, error=error[:2000])
        raise
    await asyncio.to_thread(_record, service, ok=True, error=None)
    await _finish(
        container,
        verification_id,
        ok=True,
        tables=result.tables_checked,
        rows=result.rows_checked,
    )
    return "passed"


def _record(service: BackupService, *, ok: bool, error: str | None) -> None:
    """status.json (the backup metrics); a store that is down must not hide the result."""
    try:
        service.record("verify", ok=ok, error=error[:500] if error else None)
    except Exception as exc:
        log.warning("backup_status_write_failed", error=str(exc))


def status_time(status: dict[str, Any], key: str) -> datetime | None:
    value = status.get(key)
    return datetime.fromtimestamp(float(value), UTC) if isinstance(value, int | float) else None
