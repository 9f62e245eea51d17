"""Media on the local disk under <data_dir>/media, served by the API at /media/..."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,250}$")


class LocalMediaStorage:
    def __init__(self, root: Path, url_prefix: str = "/media") -> None:
        self.root = root
        self.url_prefix = url_prefix.rstrip("/")

    def _resolve(self, name: str) -> Path | None:
        if not _SAFE_NAME.match(name) or ".." in name.split("/") or "//" in name:
            return None
        root = self.root.resolve()
        path = (root / name).resolve()
        if path == root or root not in path.parents:
            return None
        return path

    async def save(self, name: str, data: bytes, content_type: str) -> str:
        path = self._resolve(name)
        if path is None:
            raise ValueError(f"unsafe media name: {name!r}")

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)

        await asyncio.to_thread(write)
        return f"{self.url_prefix}/{name}"

    async def delete(self, name: str) -> None:
        path = self._resolve(name)
        if path is not None:
            await asyncio.to_thread(path.unlink, True)

    def local_path(self, name: str) -> Path | None:
        path = self._resolve(name)
        return path if path is not None and path.is_file() else None
