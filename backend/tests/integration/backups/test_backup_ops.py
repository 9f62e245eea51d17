"""The CLI (one-line errors, confirmation, the table), prune, the nightly job and /metrics."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery.schedules import crontab
from typer.testing import CliRunner

from mercato.backups.service import BackupService, read_status, run_nightly
from mercato.cli import app as cli_app
from mercato.main import create_app
from mercato.platform.config import Settings
from mercato.worker.tasks import beat_schedule
from tests.integration.backups.conftest import KEY, backup_settings, run_sql, seed_shop


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        "MERCATO_ENV": "test",
        "MERCATO_DATABASE_URL": settings.effective_database_url,
        "MERCATO_DATA_DIR": str(settings.data_dir),
        "MERCATO_BACKUP__DIR": str(settings.backup.dir),
        "MERCATO_BACKUP__ENCRYPTION_KEY": KEY,
        "MERCATO_LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def _cli(settings: Settings, *args: str, input: str | None = None, **extra: str) -> Any:
    return CliRunner().invoke(cli_app, ["backup", *args], env=_env(settings, **extra), input=input)


@pytest.fixture
def seeded(shop_url: str, tmp_path: Path) -> Settings:
    settings = backup_settings(shop_url, tmp_path)
    asyncio.run(seed_shop(settings, products=5))
    return settings


def test_cli_create_list_verify_restore_prune(seeded: Settings, shop_url: str) -> None:
    created = _cli(seeded, "create")
    assert created.exit_code == 0, created.output
    match = re.search(
        r"backup (mercato-\S+) created: .*, (\d+) tables, (\d+) rows, (\d+) media files",
        created.output,
    )
    assert match, created.output
    ident = match.group(1)
    media = sorted((seeded.data_dir / "media").rglob("*.svg"))
    assert media  # the seed's illustrations
    assert int(match.group(4)) == len(media)

    listed = _cli(seeded, "list")
    assert listed.exit_code == 0
    assert ident in listed.output
    assert "created (UTC)" in listed.output
    assert "media" in listed.output

    verified = _cli(seeded, "verify")
    assert verified.exit_code == 0, verified.output
    assert f"backup {ident} verified" in verified.output
    assert f"{len(media)} media files" in verified.output

    run_sql(shop_url, "DELETE FROM stock_movement")
    refused = _cli(seeded, "restore", ident, "--yes")
    assert refused.exit_code == 1
    assert (
        refused.output.strip()
        .splitlines()[-1]
        .endswith("is not empty: pass --force to overwrite it")
    )

    declined = _cli(seeded, "restore", ident, "--force", input="n\n")
    assert declined.exit_code == 1
    assert "Replace the content of" in declined.output
    assert run_sql(shop_url, "SELECT count(*) FROM stock_movement")[0][0] == 0

    unanswered = _cli(seeded, "restore", ident, "--force", input="")  # no terminal, no --yes
    assert unanswered.exit_code == 1
    assert unanswered.output.strip().splitlines()[-1] == (
        "error: no answer to the question (no terminal?): nothing was restored; "
        "pass --yes to restore without asking"
    )
    assert run_sql(shop_url, "SELECT count(*) FROM stock_movement")[0][0] == 0

    restored = _cli(seeded, "restore", ident, "--force", input="y\n")
    assert restored.exit_code == 0, restored.output
    assert "migrations applied" in restored.output
    assert run_sql(shop_url, "SELECT count(*) FROM stock_movement")[0][0] > 0

    # the media volume lost, the database sound: bring back the files alone
    for path in media:
        path.unlink()
    run_sql(shop_url, "DELETE FROM stock_movement")
    asked = _cli(seeded, "restore", ident, "--media-only", input="n\n")
    assert asked.exit_code == 1
    assert f"Replace {seeded.data_dir / 'media'} with backup {ident}?" in asked.output
    assert not any(path.exists() for path in media)
    media_only = _cli(seeded, "restore", ident, "--media-only", "--yes")
    assert media_only.exit_code == 0, media_only.output
    assert f"{len(media)} media files" in media_only.output
    assert "the database was not touched" in media_only.output
    assert all(path.exists() for path in media)
    assert run_sql(shop_url, "SELECT count(*) FROM stock_movement")[0][0] == 0

    pruned = _cli(seeded, "prune", "--dry-run")
    assert pruned.exit_code == 0
    assert "1 backup(s) kept, 0 to delete" in pruned.output


def test_cli_errors_are_one_line_with_a_non_zero_exit(seeded: Settings) -> None:
    assert _cli(seeded, "create").exit_code == 0
    wrong = _cli(seeded, "verify", MERCATO_BACKUP__ENCRYPTION_KEY="not-the-key-" * 3)
    assert wrong.exit_code == 1
    assert wrong.output.strip() == (
        "error: wrong encryption key: this backup was made with a different "
        "MERCATO_BACKUP__ENCRYPTION_KEY"
    )
    missing = _cli(seeded, "create", MERCATO_BACKUP__ENCRYPTION_KEY="")
    assert missing.exit_code == 1
    assert "MERCATO_BACKUP__ENCRYPTION_KEY is unset" in missing.output
    unknown = _cli(seeded, "verify", "mercato-20000101T000000Z-000000")
    assert unknown.exit_code == 1
    assert "no backup mercato-20000101T000000Z-000000" in unknown.output
    # the failures were recorded for the alerts
    status = read_status(BackupService(seeded).storage)
    assert status["failures"] == {"verify": 2, "create": 1}


@pytest.mark.parametrize("command", ["verify", "restore"])
@pytest.mark.parametrize("ident", ["../../etc/passwd", "a/b", ".hidden", "x\\y", ".json"])
def test_a_backup_id_that_is_a_path_is_no_backup_in_one_line(
    seeded: Settings, command: str, ident: str
) -> None:
    result = _cli(seeded, command, ident, "--yes") if command == "restore" else None
    result = result or _cli(seeded, command, ident)
    assert result.exit_code == 1, result.output
    assert result.output.strip() == f"error: no backup {ident} in {seeded.backup.dir}"


def test_prune_keeps_the_retention_with_a_controlled_clock(seeded: Settings) -> None:
    settings = seeded.model_copy(
        update={
            "backup": seeded.backup.model_copy(
                update={"keep_daily": 2, "keep_weekly": 1, "keep_monthly": 2}
            )
        }
    )
    times = [
        datetime(2026, 10, 15, 3, tzinfo=UTC),  # October
        datetime(2026, 11, 20, 3, tzinfo=UTC),
        datetime(2026, 11, 28, 3, tzinfo=UTC),
        datetime(2026, 11, 29, 3, tzinfo=UTC),
        datetime(2026, 11, 30, 3, tzinfo=UTC),
        datetime(2026, 11, 30, 15, tzinfo=UTC),
    ]
    ids = []
    for at in times:
        ids.append(BackupService(settings, clock=lambda at=at: at).create().id)
    service = BackupService(settings)
    kept, deleted = service.prune()
    # daily: 30th 15:00 and 29th; weekly: 30th (Mon) 15:00; monthly: Nov 30 15:00 and Oct 15
    assert {b.id for b in kept} == {ids[5], ids[3], ids[0]}
    assert {b.id for b in deleted} == {ids[1], ids[2], ids[4]}
    assert {b.id for b in service.backups()} == {ids[5], ids[3], ids[0]}
    names = {o.name for o in service.storage.list()}
    assert not any(i in n for i in (ids[1], ids[2], ids[4]) for n in names)


def test_nightly_job_is_scheduled_at_the_configured_hour(seeded: Settings) -> None:
    settings = seeded.model_copy(
        update={"backup": seeded.backup.model_copy(update={"schedule_hour": 4})}
    )
    entry = beat_schedule(settings)["nightly_backup"]
    assert entry["task"] == "mercato.jobs.nightly_backup"
    assert entry["schedule"] == crontab(minute="0", hour="4")
    off = seeded.model_copy(
        update={"backup": seeded.backup.model_copy(update={"schedule_enabled": False})}
    )
    assert "nightly_backup" not in beat_schedule(off)


async def _metrics(settings: Settings) -> str:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/metrics")
    await app.state.container.aclose()
    return response.text


def _value(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


def test_nightly_run_and_its_failures_show_on_the_api_metrics(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = asyncio.run(_metrics(seeded))
    assert _value(before, "mercato_backup_last_success_timestamp_seconds") == 0
    assert _value(before, 'mercato_backup_failures_total{stage="create"}') == 0

    started = datetime.now(UTC) - timedelta(seconds=1)
    info = run_nightly(seeded)
    assert [b.id for b in BackupService(seeded).backups()] == [info.id]
    after = asyncio.run(_metrics(seeded))
    assert _value(after, "mercato_backup_last_success_timestamp_seconds") >= started.timestamp()
    assert (
        _value(after, "mercato_backup_last_verify_success_timestamp_seconds") >= started.timestamp()
    )

    # a failing verification: counted, reported to Sentry, and the job fails
    reported: list[BaseException] = []
    import sentry_sdk

    monkeypatch.setattr(sentry_sdk, "is_initialized", lambda: True)
    monkeypatch.setattr(sentry_sdk, "capture_exception", reported.append)

    def broken_verify(self: BackupService, backup_id: str | None = None) -> Any:
        raise RuntimeError("scratch database unavailable")

    monkeypatch.setattr(BackupService, "verify", broken_verify)
    with pytest.raises(RuntimeError, match="scratch database unavailable"):
        run_nightly(seeded)
    assert [str(e) for e in reported] == ["scratch database unavailable"]
    failed = asyncio.run(_metrics(seeded))
    assert _value(failed, 'mercato_backup_failures_total{stage="verify"}') == 1
    assert _value(failed, 'mercato_backup_failures_total{stage="create"}') == 0
