"""A scripted HTTP server on 127.0.0.1 for outbound-client tests, and a TCP canary listener.

`ScriptedServer` answers each request with the next `Reply` of its script (the last one repeats),
records every request (method, path, headers, body), and can be told to be slow (sleep before
answering, so a client's read timeout fires). `Canary` is a bare TCP listener that only counts
the connections it accepts: a test that must not connect asserts it stayed at 0.

Both run in threads, so an async client under test in the test's event loop can reach them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    delay: float = 0.0  # seconds to sleep before answering


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedServer:
    script: list[Reply] = field(default_factory=lambda: [Reply()])
    routes: dict[str, list[Reply]] = field(default_factory=dict)  # path -> its own script
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    host: str = "127.0.0.1"
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    def set_script(self, *replies: Reply) -> None:
        with self.lock:
            self.script = list(replies)

    def count(self, path: str | None = None) -> int:
        with self.lock:
            return sum(1 for r in self.requests if path is None or r.path.split("?")[0] == path)

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            script = self.routes.get(path.split("?")[0], self.script)
            return script.pop(0) if len(script) > 1 else script[0]


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with server.lock:
                server.requests.append(
                    Recorded(self.command, self.path, dict(self.headers.items()), body)
                )
            reply = server.next_reply(self.path)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up (timeout) before we answered

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

    return Handler


@contextmanager
def scripted_server(*replies: Reply) -> Iterator[ScriptedServer]:
    server = ScriptedServer(script=list(replies) or [Reply()])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Canary:
    port: int
    family: int
    connections: int = 0


@contextmanager
def canary(host: str = "127.0.0.1") -> Iterator[Canary]:
    """A TCP listener that accepts and counts connections (and closes them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(16)
    sock.settimeout(0.05)
    bird = Canary(port=int(sock.getsockname()[1]), family=family)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            bird.connections += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield bird
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()
