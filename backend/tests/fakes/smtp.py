"""A real SMTP server (aiosmtpd) on loopback, for tests: `smtp_server` fixture.

async def test_x(smtp_server: SmtpServer) -> None:
    settings = make_settings(..., mail={"backend": "smtp", "smtp_port": smtp_server.port})
    ...
    message = smtp_server.wait_for(lambda m: m["To"] == "a@example.com")
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)

    def wait_for(
        self, predicate: Callable[[EmailMessage], bool] = lambda _m: True, *, timeout: float = 30.0
    ) -> EmailMessage:
        """The first received message matching `predicate`; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.received():
                if predicate(message):
                    return message
            time.sleep(0.02)
        raise AssertionError(f"no matching email within {timeout}s; got {len(self.received())}")


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        assert isinstance(message, EmailMessage)
        with self.server.lock:
            self.server.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(host="127.0.0.1", port=free_port())
    controller = Controller(_Handler(server), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
