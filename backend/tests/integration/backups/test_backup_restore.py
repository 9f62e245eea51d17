"""Backup → list → verify → restore of a seeded shop, on SQLite and PostgreSQL, local and S3.

Also the refusals: a wrong key, a corrupt or truncated file, a newer schema, a non-empty target;
each one is a clear one-line error and leaves the target database exactly as it was.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from mercato.backups.databases import open_database
from mercato.backups.exceptions import (
    CorruptBackup,
    DatabaseNotEmpty,
    NewerSchema,
    WrongKey,
)
from mercato.backups.service import BackupService, read_status
from mercato.platform.config import Settings
from tests.integration.backups.conftest import (
    backup_settings,
    run_sql,
    seed_shop,
)


def snapshot_of(url: str) -> dict[str, tuple[int, str]]:
    snap = open_database(url).snapshot()
    return {name: (t.rows, t.sha256) for name, t in snap.tables.items()}


def _seeded(shop_url: str, tmp_path: Path, **backup: object) -> Settings:
    settings = backup_settings(shop_url, tmp_path, **backup)
    asyncio.run(seed_shop(settings))
    return settings


def test_round_trip_create_list_verify_restore(
    shop_url: str, other_db_url: str, tmp_path: Path
) -> None:
    settings = _seeded(shop_url, tmp_path)
    source = snapshot_of(shop_url)
    assert source["catalog_product"][0] == 12

    service = BackupService(settings)
    info = service.create()
    assert info.db_kind == open_database(shop_url).kind
    assert info.schema_revisions  # the stamped head
    assert {name: (t.rows, t.sha256) for name, t in info.tables.items()} == source

    (listed,) = service.backups()
    assert listed.id == info.id
    assert listed.archive_sha256 == info.archive_sha256

    result = service.verify("latest")
    assert result.backup.id == info.id
    assert result.rows_checked == sum(rows for rows, _ in source.values())

    # the key is never in the stored files
    for path in (tmp_path / "backups").iterdir():
        assert settings.backup.encryption_key is not None
        assert settings.backup.encryption_key.get_secret_value().encode() not in path.read_bytes()

    target = Settings(**{**settings.model_dump(), "database_url": other_db_url})
    assert snapshot_of(other_db_url)["catalog_product"][0] == 0
    BackupService(target).restore(info.id)
    assert snapshot_of(other_db_url) == source


def test_s3_round_trip_through_moto(
    shop_url: str, other_db_url: str, tmp_path: Path, moto_endpoint: str, s3_bucket: str
) -> None:
    s3 = {
        "storage": "s3",
        "s3_endpoint_url": moto_endpoint,
        "s3_bucket": s3_bucket,
        "s3_prefix": "shop-a/backups",
        "s3_access_key_id": "testing",
        "s3_secret_access_key": "testing",
    }
    settings = _seeded(shop_url, tmp_path, **s3)
    source = snapshot_of(shop_url)
    service = BackupService(settings)
    info = service.create()
    service.record("create", ok=True)
    assert not (tmp_path / "backups").exists()  # nothing went to the local directory

    names = {o.name for o in service.storage.list()}
    assert names == {f"{info.id}.mbk", f"{info.id}.json", "status.json"}
    assert [b.id for b in service.backups()] == [info.id]
    assert service.verify(info.id).rows_checked == info.total_rows

    target = Settings(**{**settings.model_dump(), "database_url": other_db_url})
    BackupService(target).restore("latest")
    assert snapshot_of(other_db_url) == source
    assert read_status(service.storage)["last_success"] > 0


def test_restore_refuses_a_non_empty_database_without_force(shop_url: str, tmp_path: Path) -> None:
    settings = _seeded(shop_url, tmp_path)
    service = BackupService(settings)
    info = service.create()
    at_backup = snapshot_of(shop_url)

    run_sql(shop_url, "DELETE FROM stock_movement")  # changes after the backup
    changed = snapshot_of(shop_url)
    assert changed != at_backup

    with pytest.raises(DatabaseNotEmpty, match="is not empty: pass --force"):
        service.restore(info.id)
    assert snapshot_of(shop_url) == changed

    service.restore(info.id, force=True)
    assert snapshot_of(shop_url) == at_backup


def test_wrong_key_is_refused_and_changes_nothing(shop_url: str, tmp_path: Path) -> None:
    settings = _seeded(shop_url, tmp_path)
    info = BackupService(settings).create()
    before = snapshot_of(shop_url)

    other_key = settings.model_copy(
        update={
            "backup": settings.backup.model_copy(update={"encryption_key": SecretStr("x" * 40)})
        }
    )
    service = BackupService(other_key)
    with pytest.raises(WrongKey, match="wrong encryption key"):
        service.verify(info.id)
    with pytest.raises(WrongKey, match="wrong encryption key"):
        service.restore(info.id, force=True)
    assert snapshot_of(shop_url) == before


@pytest.mark.parametrize("damage", ["flip", "truncate", "flip-unrecorded"])
def test_corrupt_backup_is_refused_and_changes_nothing(
    shop_url: str, tmp_path: Path, damage: str
) -> None:
    settings = _seeded(shop_url, tmp_path)
    service = BackupService(settings)
    info = service.create()
    archive = tmp_path / "backups" / f"{info.id}.mbk"
    data = bytearray(archive.read_bytes())
    if damage == "truncate":
        del data[len(data) // 2 :]
    else:
        data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    if damage == "flip-unrecorded":  # no recorded SHA-256: the encryption's tags catch it
        index = tmp_path / "backups" / f"{info.id}.json"
        entry = json.loads(index.read_text())
        entry["archive_sha256"] = None
        index.write_text(json.dumps(entry))
    run_sql(shop_url, "DELETE FROM stock_movement")
    before = snapshot_of(shop_url)

    with pytest.raises(CorruptBackup) as raised:
        service.restore(info.id, force=True)
    message = str(raised.value)
    assert "\n" not in message
    assert "corrupt" in message or "damaged" in message or "truncated" in message
    with pytest.raises(CorruptBackup):
        service.verify(info.id)
    assert snapshot_of(shop_url) == before


def test_backup_of_a_newer_schema_is_refused(shop_url: str, tmp_path: Path) -> None:
    settings = _seeded(shop_url, tmp_path)
    run_sql(shop_url, "UPDATE alembic_version SET version_num = '9999'")
    service = BackupService(settings)
    info = service.create()
    assert info.schema_revisions == ["9999"]
    run_sql(shop_url, "DELETE FROM stock_movement")
    before = snapshot_of(shop_url)

    with pytest.raises(NewerSchema, match="9999, newer than this Mercato"):
        service.restore(info.id, force=True)
    with pytest.raises(NewerSchema):
        service.verify(info.id)
    assert snapshot_of(shop_url) == before
