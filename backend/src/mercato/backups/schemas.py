"""Admin API shapes for the backups and their verifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from mercato.backups.models import BackupVerification
from mercato.backups.service import BackupInfo
from mercato.backups.verification import BackupOverview, effective_status, status_time
from mercato.platform.strict import StrictInput

VerificationStatus = Literal["queued", "running", "passed", "failed", "interrupted"]


class BackupRead(BaseModel):
    id: str
    created_at: datetime
    db_kind: str
    app_version: str
    size_bytes: int
    tables: int
    rows: int
    media_files: int | None = Field(description="None: an older backup of the database alone")
    media_bytes: int

    @classmethod
    def from_info(cls, info: BackupInfo) -> BackupRead:
        return cls(
            id=info.id,
            created_at=info.created_at,
            db_kind=info.db_kind,
            app_version=info.app_version,
            size_bytes=info.size,
            tables=len(info.tables),
            rows=info.total_rows,
            media_files=info.media_files,
            media_bytes=info.media_bytes,
        )


class BackupFailureRead(BaseModel):
    stage: Literal["create", "verify"]
    at: datetime
    error: str | None


class BackupStatusRead(BaseModel):
    """From the store's status.json: what the backup metrics report."""

    last_success_at: datetime | None
    last_verify_success_at: datetime | None
    create_failures: int
    verify_failures: int
    last_failure: BackupFailureRead | None


class VerificationRead(BaseModel):
    id: uuid.UUID
    backup_id: str
    status: VerificationStatus
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    tables_checked: int | None
    rows_checked: int | None
    error: str | None

    @classmethod
    def from_row(cls, row: BackupVerification) -> VerificationRead:
        status, error = effective_status(row)
        return cls(
            id=row.id,
            backup_id=row.backup_id,
            status=status,
            requested_at=row.requested_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            tables_checked=row.tables_checked,
            rows_checked=row.rows_checked,
            error=error,
        )


class BackupOverviewRead(BaseModel):
    configured: bool = Field(description="False: no encryption key, so no backup can run")
    problem: str | None = Field(description="Why backups cannot run, when they cannot")
    storage: str = Field(description="Where the backups are kept")
    storage_error: str | None = Field(description="The store could not be read")
    schedule_enabled: bool
    schedule_hour_utc: int
    status: BackupStatusRead
    backups: list[BackupRead] = Field(description="Newest first")
    verifications: list[VerificationRead] = Field(description="The latest requests, newest first")

    @classmethod
    def from_overview(cls, view: BackupOverview) -> BackupOverviewRead:
        raw = view.status
        counts = raw.get("failures")
        failures: dict[str, Any] = counts if isinstance(counts, dict) else {}
        last = raw.get("last_failure")
        last_failure = None
        if isinstance(last, dict) and last.get("stage") in ("create", "verify"):
            at = status_time(last, "at")
            if at is not None:
                last_failure = BackupFailureRead(
                    stage=last["stage"], at=at, error=last.get("error")
                )
        return cls(
            configured=view.configured,
            problem=view.problem,
            storage=view.storage,
            storage_error=view.storage_error,
            schedule_enabled=view.schedule_enabled,
            schedule_hour_utc=view.schedule_hour_utc,
            status=BackupStatusRead(
                last_success_at=status_time(raw, "last_success"),
                last_verify_success_at=status_time(raw, "last_verify_success"),
                create_failures=int(failures.get("create", 0)),
                verify_failures=int(failures.get("verify", 0)),
                last_failure=last_failure,
            ),
            backups=[BackupRead.from_info(b) for b in view.backups],
            verifications=[VerificationRead.from_row(v) for v in view.verifications],
        )


class VerificationCreate(StrictInput):
    backup_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^mercato-[0-9A-Za-z-]+$",
        examples=["mercato-20261202T030000Z-a1b2c3"],
    )
