"""The admin's backups API: the list and status, "verify now" (queued, run by the worker task,
passed or failed), one verification at a time, and clear 4xx/503 answers for everything else."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mercato.backups.models import BackupVerification
from mercato.backups.service import BackupService, read_status
from mercato.backups.verification import VERIFY_TASK, run_verification
from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from mercato.platform.clock import utcnow
from mercato.platform.config import Settings
from tests.conftest import make_settings
from tests.factories import auth_headers, create_user
from tests.integration.backups.conftest import KEY, backup_settings, seed_shop
from tests.integration.worker.harness import Process, settings_env, wait_until


class RecordingSender:
    """Stands in for the broker connection: the published tasks, or a broker that is down."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[tuple[str, list[Any], str | None]] = []

    def send(
        self, task_name: str, args: list[Any], kwargs: dict[str, Any], queue: str | None
    ) -> None:
        if self.fail:
            raise ConnectionRefusedError("broker down")
        self.sent.append((task_name, args, queue))


@pytest.fixture
def seeded(shop_url: str, tmp_path: Path) -> Settings:
    settings = backup_settings(shop_url, tmp_path)
    asyncio.run(seed_shop(settings, products=4))
    return settings


@pytest.fixture
async def shop(seeded: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    container = build_container(seeded)
    transport = httpx.ASGITransport(app=create_app(seeded, container), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, container
    finally:
        await container.aclose()


@pytest.fixture
def sender(monkeypatch: pytest.MonkeyPatch) -> RecordingSender:
    recording = RecordingSender()
    monkeypatch.setattr("mercato.worker.service.CelerySender", lambda _container: recording)
    return recording


async def staff_headers(container: Container) -> dict[str, str]:
    return auth_headers(container, await create_user(container, role="staff"))


async def test_lists_backups_then_verifies_one_now(
    shop: tuple[httpx.AsyncClient, Container], seeded: Settings, sender: RecordingSender
) -> None:
    client, container = shop
    headers = await staff_headers(container)
    empty = await client.get("/api/v1/admin/backups", headers=headers)
    assert empty.status_code == 200, empty.text
    assert empty.json()["configured"] is True
    assert empty.json()["backups"] == []

    info = await asyncio.to_thread(BackupService(seeded).create)
    listed = (await client.get("/api/v1/admin/backups", headers=headers)).json()
    assert [b["id"] for b in listed["backups"]] == [info.id]
    assert listed["backups"][0]["rows"] == info.total_rows > 0
    assert listed["backups"][0]["media_files"] == info.media_files
    assert listed["status"]["last_verify_success_at"] is None

    queued = await client.post(
        "/api/v1/admin/backups/verifications", headers=headers, json={"backup_id": info.id}
    )
    assert queued.status_code == 202, queued.text
    verification = queued.json()
    assert verification["status"] == "queued"
    assert verification["backup_id"] == info.id
    assert len(sender.sent) == 1
    task, args, queue = sender.sent[0]
    assert (task, args) == (VERIFY_TASK, [verification["id"]])
    assert queue == f"{seeded.worker.queue_prefix}default"

    # one at a time: a second click while it is queued names the first
    again = await client.post(
        "/api/v1/admin/backups/verifications", headers=headers, json={"backup_id": info.id}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "verification_in_progress"
    assert again.json()["verification_id"] == verification["id"]
    assert len(sender.sent) == 1

    # the worker's side, as the task runs it
    assert await run_verification(container, uuid.UUID(verification["id"])) == "passed"
    done = await client.get(
        f"/api/v1/admin/backups/verifications/{verification['id']}", headers=headers
    )
    assert done.status_code == 200
    assert done.json()["status"] == "passed"
    assert done.json()["rows_checked"] == info.total_rows
    assert done.json()["tables_checked"] == len(info.tables)
    assert done.json()["started_at"] is not None
    assert done.json()["finished_at"] is not None
    # a redelivered task does not verify twice
    assert await run_verification(container, uuid.UUID(verification["id"])) == "passed"

    listed = (await client.get("/api/v1/admin/backups", headers=headers)).json()
    assert listed["status"]["last_verify_success_at"] is not None  # status.json: the metrics
    assert [v["status"] for v in listed["verifications"]] == ["passed"]
    # the slot is free again
    next_one = await client.post(
        "/api/v1/admin/backups/verifications", headers=headers, json={"backup_id": info.id}
    )
    assert next_one.status_code == 202


async def test_a_damaged_backup_fails_its_verification_and_counts_as_a_failure(
    shop: tuple[httpx.AsyncClient, Container], seeded: Settings, sender: RecordingSender
) -> None:
    client, container = shop
    headers = await staff_headers(container)
    service = BackupService(seeded)
    info = await asyncio.to_thread(service.create)
    archive = Path(str(seeded.backup.dir)) / f"{info.id}.mbk"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the encrypted payload
    archive.write_bytes(bytes(data))

    queued = await client.post(
        "/api/v1/admin/backups/verifications", headers=headers, json={"backup_id": info.id}
    )
    assert queued.status_code == 202, queued.text
    assert await run_verification(container, uuid.UUID(queued.json()["id"])) == "failed"
    listed = (await client.get("/api/v1/admin/backups", headers=headers)).json()
    failed = listed["verifications"][0]
    assert failed["status"] == "failed"
    assert info.id in failed["error"] or "corrupt" in failed["error"].lower()
    assert listed["status"]["verify_failures"] == 1
    assert listed["status"]["last_failure"]["stage"] == "verify"
    assert read_status(service.storage)["failures"] == {"verify": 1}


async def test_refusals_change_nothing(
    shop: tuple[httpx.AsyncClient, Container], seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, container = shop
    headers = await staff_headers(container)
    info = await asyncio.to_thread(BackupService(seeded).create)
    url = "/api/v1/admin/backups/verifications"

    unknown = await client.post(
        url, headers=headers, json={"backup_id": "mercato-19990101T000000Z-000000"}
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "backup_not_found"
    for bad in (
        {"backup_id": "../../etc/passwd"},
        {"backup_id": ""},
        {},
        {"backup_id": 7},
        {"backup_id": info.id, "extra": 1},
    ):
        response = await client.post(url, headers=headers, json=bad)
        assert response.status_code == 422, (bad, response.text)
    missing = await client.get(f"{url}/{uuid.uuid4()}", headers=headers)
    assert missing.status_code == 404

    down = RecordingSender(fail=True)
    monkeypatch.setattr("mercato.worker.service.CelerySender", lambda _container: down)
    unavailable = await client.post(url, headers=headers, json={"backup_id": info.id})
    assert unavailable.status_code == 503
    assert unavailable.json()["code"] == "broker_unavailable"
    # the request is on record as failed, and it does not hold the slot
    async with container.db.session(write=False) as session:
        rows = list(await session.scalars(select(BackupVerification)))
    assert [(r.status, r.active) for r in rows] == [("failed", None)]
    up = RecordingSender()
    monkeypatch.setattr("mercato.worker.service.CelerySender", lambda _container: up)
    assert (await client.post(url, headers=headers, json={"backup_id": info.id})).status_code == 202


async def test_without_an_encryption_key_the_page_says_why(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = await staff_headers(container)
    overview = await client.get("/api/v1/admin/backups", headers=headers)
    assert overview.status_code == 200
    body = overview.json()
    assert body["configured"] is False
    assert "MERCATO_BACKUP__ENCRYPTION_KEY" in body["problem"]
    refused = await client.post(
        "/api/v1/admin/backups/verifications",
        headers=headers,
        json={"backup_id": "mercato-20261202T030000Z-a1b2c3"},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "backups_not_configured"


async def test_a_verification_no_worker_finished_is_reported_interrupted(
    shop: tuple[httpx.AsyncClient, Container], seeded: Settings, sender: RecordingSender
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    client, container = shop
    headers = await staff_headers(container)
    info = await asyncio.to_thread(BackupService(seeded).create)
    url = "/api/v1/admin/backups/verifications"
    first = (await client.post(url, headers=headers, json={"backup_id": info.id})).json()
    async with container.db.session() as session:  # seven hours ago, and nobody ran it
        await session.execute(
            update(BackupVerification)
            .where(BackupVerification.id == uuid.UUID(first["id"]))
            .values(requested_at=utcnow() - timedelta(hours=7))
        )
    second = await client.post(url, headers=headers, json={"backup_id": info.id})
    assert second.status_code == 202, second.text
    stale = await client.get(f"{url}/{first['id']}", headers=headers)
    assert stale.json()["status"] == "interrupted"
    assert "time limit" in stale.json()["error"]


async def test_a_real_worker_runs_the_verification(
    shop: tuple[httpx.AsyncClient, Container], seeded: Settings
) -> None:
    """No stand-in: the API publishes to the (embedded) broker and `mercato worker` verifies."""
    client, container = shop
    headers = await staff_headers(container)
    info = await asyncio.to_thread(BackupService(seeded).create)
    env = {
        **settings_env(seeded, seeded.data_dir / "hooks"),
        "MERCATO_BACKUP__ENCRYPTION_KEY": KEY,
        "MERCATO_BACKUP__DIR": str(seeded.backup.dir),
    }
    worker = Process(["worker", "--pool", "solo"], env, seeded.data_dir / "worker.log").start()
    try:
        await worker.ready()
        queued = await client.post(
            "/api/v1/admin/backups/verifications", headers=headers, json={"backup_id": info.id}
        )
        assert queued.status_code == 202, queued.text
        url = f"/api/v1/admin/backups/verifications/{queued.json()['id']}"

        async def finished() -> dict[str, Any] | None:
            body: dict[str, Any] = (await client.get(url, headers=headers)).json()
            return body if body["status"] in ("passed", "failed") else None

        result = await wait_until(finished, timeout=120, what="the verification")
        assert result["status"] == "passed", (result, worker.log()[-3000:])
        assert result["rows_checked"] == info.total_rows
    finally:
        worker.stop()


async def test_an_incomplete_store_setting_is_a_message_not_an_error(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path, backup={"storage": "s3", "encryption_key": KEY})
    container = build_container(settings)
    transport = httpx.ASGITransport(app=create_app(settings, container), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = await staff_headers(container)
            overview = await client.get("/api/v1/admin/backups", headers=headers)
            assert overview.status_code == 200, overview.text
            assert overview.json()["configured"] is False
            assert "MERCATO_BACKUP__S3_BUCKET" in overview.json()["problem"]
            assert overview.json()["storage"] == "not configured"
            refused = await client.post(
                "/api/v1/admin/backups/verifications",
                headers=headers,
                json={"backup_id": "mercato-20261202T030000Z-a1b2c3"},
            )
            assert refused.status_code == 409
            assert refused.json()["code"] == "backups_not_configured"
    finally:
        await container.aclose()
