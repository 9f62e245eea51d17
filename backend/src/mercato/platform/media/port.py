"""Media storage port: where uploaded and generated product images live."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class MediaStorage(Protocol):
    async def save(self, name: str, data: bytes, content_type: str) -> str:
        """Store `data` under `name` (a relative path) and return its public URL."""
        ...

    async def delete(self, name: str) -> None: ...

    def local_path(self, name: str) -> Path | None:
        """The file to serve for `name`, or None when missing or unsafe (remote stores: None)."""
        ...
