"""A killed backup leaves its work directory (a decrypted dump as big as the database) under
`<data_dir>/tmp`: the next backup or verification removes it, never a live one's."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from mercato.backups.service import WORKDIR_LOCK, remove_abandoned_workdirs


def _workdir(base: Path, name: str, *, lock_age: float | None, dir_age: float = 0) -> Path:
    directory = base / name
    directory.mkdir(parents=True)
    (directory / "dump").write_bytes(b"SQLite format 3\x00" + b"x" * 1000)
    if lock_age is not None:
        lock = directory / WORKDIR_LOCK
        lock.touch()
        then = time.time() - lock_age
        os.utime(lock, (then, then))
    then = time.time() - dir_age
    os.utime(directory, (then, then))
    return directory


def test_only_the_work_directories_of_dead_backups_are_removed(tmp_path: Path) -> None:
    running = _workdir(tmp_path, "backup-running", lock_age=3600)
    dead = _workdir(tmp_path, "backup-dead", lock_age=3600)
    just_made = _workdir(tmp_path, "backup-new", lock_age=1)  # its owner locks it next
    old_release = _workdir(tmp_path, "backup-old", lock_age=None, dir_age=3600)
    starting = _workdir(tmp_path, "backup-starting", lock_age=None)
    other = _workdir(tmp_path, "restore-x", lock_age=3600)
    with (running / WORKDIR_LOCK).open("r") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as the live backup holds it
        removed = remove_abandoned_workdirs(tmp_path)
    assert sorted(removed) == sorted([dead, old_release])
    assert not dead.exists()
    assert not old_release.exists()
    assert all(path.exists() for path in (running, just_made, starting, other))


def test_a_sqlite_scratch_database_lives_in_the_verification_s_work_directory(
    tmp_path: Path,
) -> None:
    """Not in the system's temporary directory, where a killed verification would leave it."""
    from mercato.backups.databases import SqliteDatabase

    with SqliteDatabase(tmp_path / "shop.db").scratch(tmp_path / "work") as scratch:
        assert isinstance(scratch, SqliteDatabase)
        assert scratch.path.parent == tmp_path / "work"
