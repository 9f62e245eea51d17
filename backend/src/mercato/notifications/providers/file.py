"""The embedded mailer: one .eml file per email in <data_dir>/mail (`mercato mail list`)."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from mercato.notifications.providers.message import to_mime
from mercato.notifications.providers.port import OutgoingEmail
from mercato.shared.clock import utcnow


class FileMailer:
    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    async def send(self, email: OutgoingEmail) -> None:
        await asyncio.to_thread(self._write, email)

    def _write(self, email: OutgoingEmail) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9.-]+", "_", email.message_id.strip("<>"))[:120]
        path = self.directory / f"{utcnow():%Y%m%dT%H%M%S%f}-{slug}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(to_mime(email, self.sender).as_bytes())
        os.replace(tmp, path)  # readers never see a half-written file
        return path
