"""Backups in a local directory (mount a different disk or a network share there)."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from mercato.backups.providers.port import StoredObject


class LocalStorage:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.description = str(directory)

    def _path(self, name: str) -> Path:
        if "/" in name or name.startswith("."):
            raise ValueError(f"invalid object name {name!r}")
        return self.directory / name

    def _atomic_write(self, name: str, write: object) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(write, bytes):
                    out.write(write)
                else:
                    assert isinstance(write, Path)
                    with write.open("rb") as src:
                        shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self._path(name))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def upload(self, name: str, source: Path) -> None:
        self._atomic_write(name, source)

    def download(self, name: str, target: Path) -> None:
        shutil.copyfile(self._path(name), target)

    def put_bytes(self, name: str, data: bytes) -> None:
        self._atomic_write(name, data)

    def get_bytes(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None

    def list(self) -> list[StoredObject]:
        if not self.directory.is_dir():
            return []
        objects = []
        for path in self.directory.iterdir():
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                objects.append(StoredObject(path.name, stat.st_size, modified))
        return sorted(objects, key=lambda o: o.name)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
