"""Media files in backups (ADR 0045), on SQLite and PostgreSQL: the round trip brings back the
files as they were, verify names a missing, extra or changed file, a format-1 backup (database
only) still restores, and an unsafe tar entry is refused with nothing written anywhere."""

from __future__ import annotations

import asyncio
import io
import json
import os
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mercato.backups.archive import read_archive, sha256_file, write_archive
from mercato.backups.exceptions import CorruptBackup, NoMedia, VerificationFailed
from mercato.backups.service import BackupService
from mercato.platform.config import Settings
from mercato.platform.media.local import LocalMediaStorage
from tests.integration.backups.conftest import KEY, backup_settings, run_sql, seed_shop
from tests.integration.backups.test_backup_restore import snapshot_of

PHOTO = "products/p1/photo.jpg"
LABEL = "labels/2026/label-1.pdf"


def files_under(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _save(settings: Settings, name: str, data: bytes) -> None:
    """Through the media port, as the shop saves product images and labels."""
    asyncio.run(LocalMediaStorage(settings.data_dir / "media").save(name, data, "image/jpeg"))


def _shop(shop_url: str, tmp_path: Path) -> Settings:
    settings = backup_settings(shop_url, tmp_path)
    asyncio.run(seed_shop(settings, products=4))
    _save(settings, PHOTO, os.urandom(3000))
    _save(settings, LABEL, b"%PDF-1.4 label " + os.urandom(500))
    return settings


def _other(settings: Settings, db_url: str) -> Settings:
    """The same data directory, another (empty) database."""
    return Settings(**{**settings.model_dump(), "database_url": db_url})


def _leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.data_dir.iterdir() if p.name.startswith(".media"))


def _unseal(tmp_path: Path, ident: str) -> tuple[Path, dict[str, Any]]:
    """The decrypted payload (a tar) and the manifest of a stored backup."""
    plain = tmp_path / "plain.tar"
    version, manifest = read_archive(tmp_path / "backups" / f"{ident}.mbk", plain, key=KEY)
    assert version == 2
    return plain, manifest


def _reseal(
    tmp_path: Path, ident: str, plain: Path, manifest: dict[str, Any], format_version: int = 2
) -> None:
    """Encrypt `plain` as the stored backup again, with a matching index entry: the archive's
    SHA-256 and the GCM tags are all good, only what is inside differs."""
    archive = tmp_path / "backups" / f"{ident}.mbk"
    write_archive(plain, archive, key=KEY, manifest=manifest, format_version=format_version)
    index_path = tmp_path / "backups" / f"{ident}.json"
    index = json.loads(index_path.read_text())
    index["archive_sha256"] = sha256_file(archive)
    index["archive_bytes"] = archive.stat().st_size
    if "media" not in manifest:
        del index["manifest"]["media"]
    index_path.write_text(json.dumps(index))


def _make_format_1(tmp_path: Path, ident: str) -> None:
    """Turn a stored backup into what the code before ADR 0045 wrote: the bare dump, no media
    in the manifest."""
    plain, manifest = _unseal(tmp_path, ident)
    with tarfile.open(plain) as tar:
        dump = tar.extractfile("database.dump").read()  # type: ignore[union-attr]
    plain.write_bytes(dump)
    del manifest["media"]
    _reseal(tmp_path, ident, plain, manifest, format_version=1)


def _retar(
    plain: Path, edit: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None
) -> None:
    """Rewrite the tar: `edit(name, data)` returns the new data or None to drop the member."""
    with tarfile.open(plain) as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(plain, "w") as tar:
        for name, data in [*members, *(add or {}).items()]:
            new = edit(name, data)
            if new is not None:
                info = tarfile.TarInfo(name)
                info.size = len(new)
                tar.addfile(info, io.BytesIO(new))


def test_media_round_trip_restores_the_files_as_they_were(
    shop_url: str, other_db_url: str, tmp_path: Path
) -> None:
    settings = _shop(shop_url, tmp_path)
    media = settings.data_dir / "media"
    (media / "products" / "p1" / ".photo2.jpg.tmp").write_bytes(b"a save in progress")
    before = {k: v for k, v in files_under(media).items() if not k.endswith(".tmp")}
    assert PHOTO in before
    assert LABEL in before
    assert any(name.startswith("demo/") for name in before)  # the seed's illustrations
    source = snapshot_of(shop_url)

    service = BackupService(settings)
    info = service.create()
    assert info.media_files == len(before)
    assert info.media_bytes == sum(len(data) for data in before.values())
    (listed,) = service.backups()
    assert (listed.media_files, listed.media_bytes) == (info.media_files, info.media_bytes)
    index = json.loads((tmp_path / "backups" / f"{info.id}.json").read_text())
    assert "sha256" not in index["manifest"]["media"]  # the per-file digests stay in the archive
    assert service.verify(info.id).backup.media_files == len(before)

    # after the backup: one file deleted, one changed, one added
    (media / PHOTO).unlink()
    (media / LABEL).write_bytes(b"another label")
    _save(settings, "products/p2/new.jpg", b"added later")

    BackupService(_other(settings, other_db_url)).restore(info.id)
    assert files_under(media) == before
    assert snapshot_of(other_db_url) == source
    assert _leftovers(settings) == []


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("changed", f"media {PHOTO}: checksum differs from the manifest"),
        ("missing", f"media {LABEL}: missing"),
        ("extra", "media products/p9/smuggled.jpg: unexpected"),
    ],
)
def test_verify_names_a_tampered_media_file_and_restore_changes_nothing(
    shop_url: str, tmp_path: Path, tamper: str, problem: str
) -> None:
    settings = _shop(shop_url, tmp_path)
    service = BackupService(settings)
    info = service.create()
    plain, manifest = _unseal(tmp_path, info.id)

    def edit(name: str, data: bytes) -> bytes | None:
        if tamper == "changed" and name == f"media/{PHOTO}":
            return data[:-1] + bytes([data[-1] ^ 1])
        if tamper == "missing" and name == f"media/{LABEL}":
            return None
        return data

    extra = {"media/products/p9/smuggled.jpg": b"x"} if tamper == "extra" else None
    _retar(plain, edit, extra)
    _reseal(tmp_path, info.id, plain, manifest)

    with pytest.raises(VerificationFailed) as raised:
        service.verify(info.id)
    assert str(raised.value) == f"backup {info.id} does not verify: {problem}"

    media = settings.data_dir / "media"
    _save(settings, "products/p2/new.jpg", b"added later")
    live, db = files_under(media), snapshot_of(shop_url)
    with pytest.raises(VerificationFailed, match=problem):
        service.restore(info.id, force=True)
    assert files_under(media) == live
    assert snapshot_of(shop_url) == db
    assert _leftovers(settings) == []


def test_a_format_1_backup_restores_the_database_and_leaves_the_media_alone(
    shop_url: str, other_db_url: str, tmp_path: Path
) -> None:
    settings = _shop(shop_url, tmp_path)
    source = snapshot_of(shop_url)
    service = BackupService(settings)
    info = service.create()
    _make_format_1(tmp_path, info.id)

    (listed,) = service.backups()
    assert listed.media_files is None
    result = service.verify(info.id)
    assert result.backup.media_files is None
    assert result.rows_checked == sum(rows for rows, _ in source.values())

    media = settings.data_dir / "media"
    _save(settings, "products/p2/new.jpg", b"added later")
    live = files_under(media)
    restored = BackupService(_other(settings, other_db_url)).restore(info.id)
    assert restored.media_files is None
    assert snapshot_of(other_db_url) == source
    assert files_under(media) == live
    assert _leftovers(settings) == []


def test_a_media_only_restore_brings_back_the_files_and_leaves_the_database_alone(
    shop_url: str, tmp_path: Path
) -> None:
    settings = _shop(shop_url, tmp_path)
    media = settings.data_dir / "media"
    before = files_under(media)
    service = BackupService(settings)
    info = service.create()

    # after the backup: the media volume damaged, and the shop went on writing its database
    (media / PHOTO).unlink()
    (media / LABEL).write_bytes(b"another label")
    _save(settings, "products/p2/new.jpg", b"added later")
    run_sql(shop_url, "UPDATE catalog_product SET title = 'Renamed after the backup'")
    database = snapshot_of(shop_url)

    restored = service.restore(info.id, media_only=True)
    assert restored.media_files == len(before)
    assert files_under(media) == before
    assert snapshot_of(shop_url) == database  # not rolled back to the backup
    assert _leftovers(settings) == []


def test_a_media_only_restore_of_a_backup_without_media_is_refused(
    shop_url: str, tmp_path: Path
) -> None:
    settings = _shop(shop_url, tmp_path)
    service = BackupService(settings)
    info = service.create()
    _make_format_1(tmp_path, info.id)

    media = settings.data_dir / "media"
    live = files_under(media)
    with pytest.raises(NoMedia, match="holds no media files"):
        service.restore(info.id, media_only=True)
    assert files_under(media) == live
    assert _leftovers(settings) == []


@pytest.mark.parametrize("name", ["media/../../escaped.txt", "../escaped.txt"])
def test_a_payload_with_a_dotdot_member_is_refused(
    shop_url: str, tmp_path: Path, name: str
) -> None:
    settings = _shop(shop_url, tmp_path)
    service = BackupService(settings)
    info = service.create()
    plain, manifest = _unseal(tmp_path, info.id)
    _retar(plain, lambda _name, data: data, {name: b"escaped"})
    _reseal(tmp_path, info.id, plain, manifest)

    media = settings.data_dir / "media"
    live, db = files_under(media), snapshot_of(shop_url)
    for attempt in (service.verify, lambda ident: service.restore(ident, force=True)):
        with pytest.raises(CorruptBackup) as raised:
            attempt(info.id)
        assert str(raised.value) == (
            f"the backup file is damaged (unsafe entry {name!r} in the payload)"
        )
    assert files_under(media) == live
    assert snapshot_of(shop_url) == db
    assert not list(tmp_path.rglob("escaped.txt"))
    assert _leftovers(settings) == []
