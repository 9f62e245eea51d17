"""Staff-only admin routes for the backups: the list, the status and "verify now"."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from mercato.accounts.dependencies import StaffUser
from mercato.backups import verification
from mercato.backups.schemas import BackupOverviewRead, VerificationCreate, VerificationRead
from mercato.platform.deps import ContainerDep, SessionDep

router = APIRouter(prefix="/admin/backups", tags=["admin-backups"])


@router.get(
    "", operation_id="listBackups", summary="Stored backups, their status and verifications"
)
async def list_backups(
    _staff: StaffUser, session: SessionDep, container: ContainerDep
) -> BackupOverviewRead:
    return BackupOverviewRead.from_overview(await verification.overview(session, container))


@router.post(
    "/verifications",
    operation_id="verifyBackup",
    summary="Verify a stored backup now (restored into a scratch database by the worker)",
    status_code=202,
    responses={
        404: {"description": "backup_not_found"},
        409: {"description": "backups_not_configured or verification_in_progress"},
        503: {"description": "broker_unavailable or backup_store_unavailable"},
    },
)
async def verify_backup(
    body: VerificationCreate, staff: StaffUser, session: SessionDep, container: ContainerDep
) -> VerificationRead:
    row = await verification.request_verification(
        session, container, body.backup_id, requested_by=staff.id
    )
    return VerificationRead.from_row(row)


@router.get(
    "/verifications/{verification_id}",
    operation_id="getBackupVerification",
    summary="One verification's progress and result",
    responses={404: {"description": "verification_not_found"}},
)
async def get_backup_verification(
    verification_id: uuid.UUID, _staff: StaffUser, session: SessionDep
) -> VerificationRead:
    row = await verification.get_verification(session, verification_id)
    return VerificationRead.from_row(row)
