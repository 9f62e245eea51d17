"""A fake Sentry ingest server on loopback that speaks the envelope protocol.

The SDK posts to `/api/{project_id}/envelope/` (gzip-compressed unless told otherwise): a JSON
envelope header line, then per item a JSON item header line and its payload (`length` bytes when
the header says so, else up to the next newline). `SentryServer.events()` returns the parsed
`event` items; `raw()` the decompressed bodies, to look for data that must never be sent.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def parse_envelope(body: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    """(envelope header, [(item header, payload)])."""
    header_line, _, rest = body.partition(b"\n")
    header = json.loads(header_line)
    items: list[tuple[dict[str, Any], bytes]] = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_line)
        length = item_header.get("length")
        if length is not None:
            payload, rest = rest[:length], rest[length:]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item_header, payload))
    return header, items


@dataclass
class SentryServer:
    port: int
    project: str = "42"
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def dsn(self) -> str:
        return f"http://0123456789abcdef0123456789abcdef@127.0.0.1:{self.port}/{self.project}"

    def raw(self) -> list[bytes]:
        with self.lock:
            return list(self.bodies)

    def events(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for body in self.raw():
            _header, items = parse_envelope(body)
            for item_header, payload in items:
                if item_header.get("type") == "event":
                    found.append(json.loads(payload))
        return found

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 60
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if predicate(event):
                    return event
            time.sleep(0.2)
        raise AssertionError(f"no matching Sentry event in {len(self.events())} received")


def _handler(server: SentryServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            encoding = (self.headers.get("Content-Encoding") or "").lower()
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding:
                self.send_response(415)
                self.end_headers()
                return
            if self.path.rstrip("/") != f"/api/{server.project}/envelope":
                self.send_response(404)
                self.end_headers()
                return
            with server.lock:
                server.bodies.append(body)
                server.paths.append(self.path)
            payload = b'{"id":"00000000000000000000000000000000"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def sentry_server() -> Iterator[SentryServer]:
    state = SentryServer(port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
