"""The storage port: a flat namespace of named objects (backup files and small JSON documents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    name: str
    size: int
    modified_at: datetime


class BackupStorage(Protocol):
    description: str  # where, for messages: "/var/backups" or "s3://bucket/prefix"

    def upload(self, name: str, source: Path) -> None:
        """Store the file under `name`, atomically: readers see the old object or the new one."""
        ...

    def download(self, name: str, target: Path) -> None:
        """Copy object `name` into `target`; FileNotFoundError when there is none."""
        ...

    def put_bytes(self, name: str, data: bytes) -> None: ...

    def get_bytes(self, name: str) -> bytes | None:
        """The object's content, or None when it does not exist."""
        ...

    def list(self) -> list[StoredObject]: ...

    def delete(self, name: str) -> None: ...
