"""The mail port: our own message type in, delivered (or an exception) out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    message_id: str  # deterministic per event: a re-sent email carries the same Message-ID
    headers: dict[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    async def send(self, email: OutgoingEmail) -> None: ...
