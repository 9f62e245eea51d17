"""The embedded mailer: one .eml file per email in <data_dir>/mail (`mercato mail list`).

Idempotent by Message-ID (derived from the event id): the file is named after it and created with
an atomic hard link of a fully written temporary file, so a second send of the same email, after
any kill at any moment, finds the file and writes nothing (ADR 0015).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import uuid
from pathlib import Path

from mercato.notifications.providers.message import to_mime
from mercato.notifications.providers.port import OutgoingEmail


def file_name(message_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9.@-]+", "_", message_id.strip("<>"))[:200]
    return f"{slug}.eml"


class FileMailer:
    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    async def send(self, email: OutgoingEmail) -> None:
        await asyncio.to_thread(self._write, email)

    def _write(self, email: OutgoingEmail) -> Path:
        """Write the email once; a file of the same Message-ID already there means it was sent."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / file_name(email.message_id)
        if path.exists():
            return path
        # a unique temporary name: two senders of the same email never write the same file
        tmp = self.directory / f".{uuid.uuid4().hex}.tmp"
        try:
            with tmp.open("wb") as fh:
                fh.write(to_mime(email, self.sender).as_bytes())
                fh.flush()
                os.fsync(fh.fileno())
            # link() fails if the name exists: exactly one sender wins, readers never see a
            # half-written file, and a kill leaves at most a stray `.tmp` (never listed)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return path
