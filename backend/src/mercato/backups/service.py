"""Backup, verify, restore and prune (ADR 0041-0043).

Objects in the store, per backup `<id>`: `<id>.mbk` (the encrypted archive, mercato.backups.archive,
holding the database dump and the media files, mercato.backups.payload) and `<id>.json` (its index
entry: the manifest without the per-file media digests, the archive's size and SHA-256), written
last so a half-uploaded backup is never listed. `status.json` keeps the time of the last good
backup and verification and the failure counts, which /metrics reports from every process.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import structlog

from mercato.backups import payload
from mercato.backups.archive import read_archive, sha256_file, write_archive
from mercato.backups.databases import Database, Snapshot, TableStats, open_database
from mercato.backups.exceptions import (
    BackupConfigError,
    BackupError,
    BackupNotFound,
    CorruptBackup,
    DatabaseNotEmpty,
    NewerSchema,
    NoMedia,
    VerificationFailed,
)
from mercato.backups.payload import MediaFiles
from mercato.backups.providers import BackupStorage, build_storage
from mercato.backups.retention import select_kept
from mercato.platform.config import Settings, secret_weakness

log = structlog.get_logger("mercato.backups")

ARCHIVE_SUFFIX = ".mbk"
INDEX_SUFFIX = ".json"
STATUS_OBJECT = "status.json"
ID_PREFIX = "mercato-"
Stage = Literal["create", "verify"]
# (stage label, total units or None) -> advance(units)
ProgressFactory = Callable[[str, int | None], Callable[[int], None]]


def _no_progress(_label: str, _total: int | None) -> Callable[[int], None]:
    return lambda _n: None


@dataclass(frozen=True)
class BackupInfo:
    id: str
    created_at: datetime
    db_kind: str
    schema_revisions: list[str]
    app_version: str
    size: int
    archive_sha256: str
    tables: dict[str, TableStats] = field(default_factory=dict)
    media_files: int | None = None  # None: a format-1 backup, the database alone
    media_bytes: int = 0

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


@dataclass(frozen=True)
class VerifyResult:
    backup: BackupInfo
    tables_checked: int
    rows_checked: int


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mercato")
    except PackageNotFoundError:
        return "unknown"


def known_revisions() -> set[str]:
    """Every migration revision this code ships."""
    from alembic.script import ScriptDirectory

    from mercato.platform.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def _tables_json(tables: dict[str, TableStats]) -> dict[str, dict[str, Any]]:
    return {name: {"rows": s.rows, "sha256": s.sha256} for name, s in sorted(tables.items())}


def _tables_from(raw: Any) -> dict[str, TableStats]:
    try:
        return {name: TableStats(int(v["rows"]), str(v["sha256"])) for name, v in raw.items()}
    except (AttributeError, KeyError, TypeError, ValueError):
        raise CorruptBackup("the backup manifest is damaged (bad table statistics)") from None


def _media_json(media: MediaFiles) -> dict[str, Any]:
    return {"files": media.count, "bytes": media.bytes, "sha256": media.sha256}


def _media_from(manifest: dict[str, Any]) -> MediaFiles:
    try:
        raw = manifest["media"]
        return MediaFiles({str(k): str(v) for k, v in raw["sha256"].items()}, int(raw["bytes"]))
    except (AttributeError, KeyError, TypeError, ValueError):
        raise CorruptBackup("the backup manifest is damaged (bad media listing)") from None


def _index_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest for the index entry: the media summary without the per-file digests, so that
    `list` stays cheap however many files the shop has."""
    media = {k: v for k, v in manifest["media"].items() if k != "sha256"}
    return {**manifest, "media": media}


def _info(manifest: dict[str, Any], size: int, archive_sha256: str) -> BackupInfo:
    try:
        media = manifest.get("media")
        return BackupInfo(
            id=str(manifest["id"]),
            created_at=datetime.fromisoformat(manifest["created_at"]),
            db_kind=str(manifest["db_kind"]),
            schema_revisions=[str(r) for r in manifest["schema_revisions"]],
            app_version=str(manifest.get("app_version", "unknown")),
            size=size,
            archive_sha256=archive_sha256,
            tables=_tables_from(manifest["tables"]),
            media_files=None if media is None else int(media["files"]),
            media_bytes=0 if media is None else int(media["bytes"]),
        )
    except (KeyError, TypeError, ValueError):
        raise CorruptBackup("the backup manifest is damaged (missing fields)") from None


def compare(expected: dict[str, TableStats], actual: Snapshot) -> list[str]:
    """One line per table whose row count or checksum differs."""
    problems = []
    for name in sorted(set(expected) | set(actual.tables)):
        want, got = expected.get(name), actual.tables.get(name)
        if want is None or got is None:
            problems.append(f"table {name}: {'missing' if got is None else 'unexpected'}")
        elif want.rows != got.rows:
            problems.append(f"table {name}: {got.rows} rows, the manifest says {want.rows}")
        elif want.sha256 != got.sha256:
            problems.append(f"table {name}: checksum differs from the manifest")
    return problems


WORKDIR_PREFIX = "backup-"  # <data_dir>/tmp/backup-…: a backup's or verification's files
WORKDIR_LOCK = ".lock"
UNLOCKED_WORKDIR_GRACE_SECONDS = 600  # one without a lock file: an older release's
NEW_LOCK_GRACE_SECONDS = 10  # a lock file this new may be about to be locked by its owner


def remove_abandoned_workdirs(base: Path) -> list[Path]:
    """Remove the work directories of backups and verifications whose process died (a killed
    `mercato backup create`, an OOM-killed worker): each holds a decrypted database dump, as big
    as the database. A live one holds the lock on its lock file; a dead one's lock is free."""
    removed: list[Path] = []
    for directory in sorted(base.glob(f"{WORKDIR_PREFIX}*")):
        if not directory.is_dir():
            continue
        try:
            with (directory / WORKDIR_LOCK).open("r") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its backup is running
                if time.time() - Path(lock.name).stat().st_mtime < NEW_LOCK_GRACE_SECONDS:
                    continue  # created an instant ago: its owner may not have locked it yet
        except FileNotFoundError:
            try:
                age = time.time() - directory.stat().st_mtime
            except FileNotFoundError:
                continue  # removed by its owner meanwhile
            if age < UNLOCKED_WORKDIR_GRACE_SECONDS:
                continue  # just created, its lock not yet taken
        shutil.rmtree(directory, ignore_errors=True)
        removed.append(directory)
        log.warning("backup_workdir_abandoned_removed", path=str(directory))
    return removed


class BackupService:
    def __init__(
        self,
        settings: Settings,
        *,
        storage: BackupStorage | None = None,
        database: Database | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress: ProgressFactory = _no_progress,
    ) -> None:
        self.settings = settings
        self.storage = storage or build_storage(settings)
        self._database = database
        self.clock = clock
        self.progress = progress

    @property
    def media_dir(self) -> Path:
        """Where the shop keeps its media files (mercato.bootstrap's LocalMediaStorage)."""
        return self.settings.data_dir / "media"

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = open_database(
                self.settings.effective_database_url, self.settings.backup.pg_bin_dir
            )
        return self._database

    def _key(self) -> str:
        secret = self.settings.backup.encryption_key
        key = secret.get_secret_value() if secret else ""
        if not key:
            raise BackupConfigError(
                "MERCATO_BACKUP__ENCRYPTION_KEY is unset: set it (e.g. `openssl rand -hex 32`) "
                "and keep a copy somewhere other than this machine"
            )
        if self.settings.is_production and (weakness := secret_weakness(key)):
            raise BackupConfigError(f"MERCATO_BACKUP__ENCRYPTION_KEY is too weak ({weakness})")
        return key

    def key_problem(self) -> str | None:
        """Why no backup can be made or read with these settings (the key), or None."""
        try:
            self._key()
        except BackupConfigError as exc:
            return str(exc)
        return None

    @contextlib.contextmanager
    def _workdir(self) -> Iterator[Path]:
        # beside the database (same disk, sized for it), not /tmp (often a small tmpfs)
        base = self.settings.data_dir / "tmp"
        base.mkdir(parents=True, exist_ok=True)
        remove_abandoned_workdirs(base)
        with (
            tempfile.TemporaryDirectory(prefix=WORKDIR_PREFIX, dir=base) as directory,
            (Path(directory) / WORKDIR_LOCK).open("w") as lock,
        ):
            fcntl.flock(lock, fcntl.LOCK_EX)  # held while it works: released if it dies
            yield Path(directory)

    # ------------------------------------------------------------------ create

    def create(self) -> BackupInfo:
        key = self._key()
        created = self.clock().astimezone(UTC)
        ident = f"{ID_PREFIX}{created:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        with self._workdir() as work:
            dump, plain = work / "dump", work / "payload.tar"
            advance = self.progress(f"dumping {self.database.description}", None)
            snapshot = self.database.dump(dump)
            advance(1)
            dump_bytes, dump_sha256 = dump.stat().st_size, sha256_file(dump)
            # after the dump: every file the dump refers to is there, unless deleted meanwhile
            advance = self.progress("packing the media files", payload.media_size(self.media_dir))
            media = payload.pack(dump, self.media_dir, plain, progress=advance)
            dump.unlink()
            manifest = {
                "id": ident,
                "created_at": created.isoformat(),
                "db_kind": self.database.kind,
                "schema_revisions": snapshot.revisions,
                "app_version": _app_version(),
                "dump_bytes": dump_bytes,
                "dump_sha256": dump_sha256,
                "tables": _tables_json(snapshot.tables),
                "media": _media_json(media),
            }
            archive = work / f"{ident}{ARCHIVE_SUFFIX}"
            write_archive(
                plain,
                archive,
                key=key,
                manifest=manifest,
                progress=self.progress("compressing and encrypting", plain.stat().st_size),
            )
            size, digest = archive.stat().st_size, sha256_file(archive)
            advance = self.progress(f"uploading to {self.storage.description}", None)
            self.storage.upload(archive.name, archive)
            index = {
                "manifest": _index_manifest(manifest),
                "archive_bytes": size,
                "archive_sha256": digest,
            }
            self.storage.put_bytes(f"{ident}{INDEX_SUFFIX}", json.dumps(index, indent=1).encode())
            advance(1)
        info = _info(manifest, size, digest)
        log.info(
            "backup_created", backup=ident, bytes=size, rows=info.total_rows, media=media.count
        )
        return info

    # ------------------------------------------------------------------ list

    def backups(self) -> list[BackupInfo]:
        """Complete backups, newest first."""
        backups = []
        for obj in self.storage.list():
            if not (obj.name.startswith(ID_PREFIX) and obj.name.endswith(INDEX_SUFFIX)):
                continue
            raw = self.storage.get_bytes(obj.name)
            try:
                index = json.loads(raw or b"")
                backups.append(
                    _info(index["manifest"], int(index["archive_bytes"]), index["archive_sha256"])
                )
            except (ValueError, KeyError, TypeError, CorruptBackup):
                log.warning("backup_index_unreadable", object=obj.name)
        return sorted(backups, key=lambda b: b.created_at, reverse=True)

    def resolve(self, backup_id: str | None) -> str:
        """`latest` (or None) means the newest backup."""
        if backup_id in (None, "", "latest"):
            backups = self.backups()
            if not backups:
                raise BackupNotFound(f"no backups in {self.storage.description}")
            return backups[0].id
        assert backup_id is not None
        ident = backup_id.removesuffix(ARCHIVE_SUFFIX).removesuffix(INDEX_SUFFIX)
        if not ident or ident.startswith(".") or "/" in ident or "\\" in ident:
            # never a backup's name (and never a path out of the storage): the same refusal
            raise BackupNotFound(f"no backup {backup_id} in {self.storage.description}")
        return ident

    # ------------------------------------------------------------------ fetch (all checks)

    def _fetch(self, backup_id: str | None, work: Path, media: Path) -> tuple[BackupInfo, Path]:
        """Download, authenticate, decrypt and check a backup; the manifest and the dump file,
        its media files (format 2) extracted into the directory `media`.

        Raises before anything outside `work` and `media` is touched: wrong key, corrupt or
        truncated file, an unsafe tar entry, media differing from the manifest, a schema newer
        than this code.
        """
        key = self._key()
        ident = self.resolve(backup_id)
        raw_index = self.storage.get_bytes(f"{ident}{INDEX_SUFFIX}")
        archive = work / f"{ident}{ARCHIVE_SUFFIX}"
        advance = self.progress(f"downloading {ident}", None)
        try:
            self.storage.download(archive.name, archive)
        except FileNotFoundError:
            raise BackupNotFound(f"no backup {ident} in {self.storage.description}") from None
        advance(1)
        size, digest = archive.stat().st_size, sha256_file(archive)
        if raw_index is not None:
            try:
                recorded = json.loads(raw_index).get("archive_sha256")
            except (ValueError, AttributeError):
                recorded = None
            if recorded and recorded != digest:
                raise CorruptBackup(
                    f"backup {ident} is corrupt: its SHA-256 differs from the one recorded "
                    "when it was made"
                )
        plain = work / "payload"
        version, manifest = read_archive(
            archive, plain, key=key, progress=self.progress("decrypting", size)
        )
        archive.unlink()
        info = _info(manifest, size, digest)
        dump = plain if version == 1 else self._unpack(plain, work / "dump", media)
        if manifest.get("dump_sha256") != sha256_file(dump):
            raise CorruptBackup(f"backup {ident} is corrupt: the database dump's SHA-256 differs")
        if version > 1:
            self._check_media(ident, _media_from(manifest), media)
        unknown = sorted(set(info.schema_revisions) - known_revisions())
        if unknown:
            raise NewerSchema(
                f"backup {ident} has schema revision {', '.join(unknown)}, newer than this "
                f"Mercato ({_app_version()}) knows: upgrade Mercato before restoring it"
            )
        return info, dump

    def _unpack(self, plain: Path, dump: Path, media: Path) -> Path:
        advance = self.progress("unpacking", plain.stat().st_size)
        payload.unpack(plain, dump, media, progress=advance)
        plain.unlink()
        return dump

    def _check_media(self, ident: str, expected: MediaFiles, media: Path) -> None:
        advance = self.progress("checking the media files", expected.bytes)
        problems = payload.compare(expected, payload.scan(media, progress=advance))
        if problems:
            raise VerificationFailed(f"backup {ident} does not verify: " + "; ".join(problems))

    # ------------------------------------------------------------------ verify

    def verify(self, backup_id: str | None = None) -> VerifyResult:
        """Restore into a scratch database and scratch media directory, compare every table and
        media file with the manifest."""
        with self._workdir() as work:
            info, dump = self._fetch(backup_id, work, work / "media")
            if info.db_kind != self.database.kind:
                raise BackupError(
                    f"backup {info.id} is a {info.db_kind} backup; this shop runs "
                    f"{self.database.kind}: verify it where it can be restored"
                )
            with self.database.scratch(work) as scratch:
                advance = self.progress("restoring into a scratch database", None)
                scratch.restore(dump)
                advance(1)
                advance = self.progress("comparing row counts and checksums", None)
                problems = compare(info.tables, scratch.snapshot())
                advance(1)
        if problems:
            raise VerificationFailed(f"backup {info.id} does not verify: " + "; ".join(problems))
        log.info(
            "backup_verified",
            backup=info.id,
            tables=len(info.tables),
            rows=info.total_rows,
            media=info.media_files,
        )
        return VerifyResult(info, len(info.tables), info.total_rows)

    # ------------------------------------------------------------------ restore

    def restore(
        self, backup_id: str | None, *, force: bool = False, media_only: bool = False
    ) -> BackupInfo:
        """Replace the shop's database and media files with a backup, then migrate the database to
        this code's schema. A format-1 backup (no media) leaves the media directory as it is.

        `media_only`: replace the media files alone (a lost or damaged media volume beside a sound
        database); the database is not touched. The whole backup is still checked first."""
        from mercato.platform import migrate

        live = self.media_dir.resolve()
        with self._workdir() as work, _staging(live) as staged:
            info, dump = self._fetch(backup_id, work, staged)
            if media_only:
                if info.media_files is None:
                    raise NoMedia(
                        f"backup {info.id} holds no media files (a format-1 backup): "
                        "nothing to restore"
                    )
                advance = self.progress(f"replacing {live}", None)
                _swap(staged, live)
                advance(1)
                log.info("backup_media_restored", backup=info.id, files=info.media_files)
                return info
            target = self.database
            if info.db_kind != target.kind:
                raise BackupError(
                    f"backup {info.id} is a {info.db_kind} backup and cannot be restored into "
                    f"{target.description}"
                )
            if not force and not target.is_empty():
                raise DatabaseNotEmpty(
                    f"{target.description} is not empty: pass --force to overwrite it"
                )
            advance = self.progress(f"restoring into {target.description}", None)
            target.restore(dump)
            advance(1)
            if info.media_files is not None:
                advance = self.progress(f"replacing {live}", None)
                _swap(staged, live)
                advance(1)
        advance = self.progress("checking the restored tables", None)
        problems = compare(info.tables, target.snapshot())
        advance(1)
        if problems:
            raise VerificationFailed(
                f"restored {info.id}, but it differs from its manifest: " + "; ".join(problems)
            )
        migrate.upgrade(self.settings)
        log.info("backup_restored", backup=info.id, target=target.description)
        return info

    # ------------------------------------------------------------------ prune

    def prune(self, *, dry_run: bool = False) -> tuple[list[BackupInfo], list[BackupInfo]]:
        """Delete backups outside the retention policy; (kept, deleted)."""
        cfg = self.settings.backup
        backups = self.backups()
        keep = select_kept(
            ((b.id, b.created_at) for b in backups),
            daily=cfg.keep_daily,
            weekly=cfg.keep_weekly,
            monthly=cfg.keep_monthly,
        )
        kept = [b for b in backups if b.id in keep]
        deleted = [b for b in backups if b.id not in keep]
        if not dry_run:
            for backup in deleted:
                self.storage.delete(f"{backup.id}{INDEX_SUFFIX}")  # unlisted first
                self.storage.delete(f"{backup.id}{ARCHIVE_SUFFIX}")
                log.info("backup_pruned", backup=backup.id)
        return kept, deleted

    # ------------------------------------------------------------------ status (metrics)

    def read_status(self) -> dict[str, Any]:
        return read_status(self.storage)

    def record(self, stage: Stage, *, ok: bool, error: str | None = None) -> None:
        """Remember a success or a failure where every process's /metrics can read it."""
        status = self.read_status()
        now = time.time()
        if ok:
            status["last_verify_success" if stage == "verify" else "last_success"] = now
        else:
            failures = status.setdefault("failures", {})
            failures[stage] = int(failures.get(stage, 0)) + 1
            status["last_failure"] = {"stage": stage, "at": now, "error": error}
        self.storage.put_bytes(STATUS_OBJECT, json.dumps(status, indent=1).encode())


@contextlib.contextmanager
def _staging(live: Path) -> Iterator[Path]:
    """A temporary sibling of the media directory (same file system: the swap is two renames)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{live.name}-restore-", dir=live.parent))
    try:
        yield staged
    finally:
        shutil.rmtree(staged, ignore_errors=True)  # gone already when it was swapped in


def _swap(staged: Path, live: Path) -> None:
    """Put the restored media directory in place of the live one, then delete the old one."""
    old = live.with_name(f".{live.name}-old-{secrets.token_hex(4)}")
    if live.exists():
        shutil.copymode(live, staged)  # mkdtemp made it 0700
        live.rename(old)
    else:
        staged.chmod(0o755)
    try:
        staged.rename(live)
    except OSError:
        if old.exists():
            old.rename(live)
        raise
    shutil.rmtree(old, ignore_errors=True)


def read_status(storage: BackupStorage) -> dict[str, Any]:
    raw = storage.get_bytes(STATUS_OBJECT)
    if not raw:
        return {}
    try:
        status = json.loads(raw)
    except ValueError:
        return {}
    return status if isinstance(status, dict) else {}


# ---------------------------------------------------------------------- the nightly job


def run_nightly(settings: Settings) -> BackupInfo:
    """Backup, verify it, prune; each failure is recorded (metrics) and reported to Sentry."""
    service = BackupService(settings)
    stage: Stage = "create"
    try:
        info = service.create()
        service.record("create", ok=True)
        stage = "verify"
        service.verify(info.id)
        service.record("verify", ok=True)
    except Exception as exc:
        log.error("backup_failed", stage=stage, error=str(exc))
        # the store itself may be what is failing: then the "last success" gauges grow stale,
        # which the alerts catch as well
        with contextlib.suppress(Exception):
            service.record(stage, ok=False, error=str(exc)[:500])
        _report_to_sentry(exc)
        raise
    service.prune()
    return info


def _report_to_sentry(exc: BaseException) -> None:
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover - sentry-sdk is a dependency
        return
    if sentry_sdk.is_initialized():
        sentry_sdk.capture_exception(exc)


async def nightly_backup(container: Any) -> int:
    """The scheduler's nightly job (mercato.worker.tasks): 1 when a verified backup was made."""
    import asyncio

    if not container.settings.backup.schedule_enabled:
        return 0
    await asyncio.to_thread(run_nightly, container.settings)
    return 1
