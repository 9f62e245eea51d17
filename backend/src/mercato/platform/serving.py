"""uvicorn's HTTP protocol, with each response handed to the socket in one write.

uvicorn writes a response's status line and headers, then its body: two socket writes. An API
process killed between the two leaves nginx with an answer it has begun to pass on; it can no
longer retry the request on another process, and the client gets a cut-off response. Holding the
writes of one event-loop step and sending them together makes a response one write (as long as it
fits the socket's buffer): a process killed before it has sent nothing, and nginx retries the
request elsewhere. `mercato serve` runs uvicorn with this protocol (ADR 0052).

A response may also bring its header block already encoded (`PREENCODED_HEAD`, ADR 0053): the
edge's cached answers send the same dozen headers again and again, and uvicorn checked, lower-cased
and joined each of them on every response (~8-10 µs of a hit's ~40).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

# An `http.response.start` message's key: its `headers` encoded as uvicorn writes them, and the
# body's length (`encode_head`). Other servers ignore the key and send `headers`, as ASGI says.
PREENCODED_HEAD = "mercato.head"
# headers whose meaning uvicorn acts on beyond writing them: their responses take uvicorn's way
_ACTED_ON = frozenset((b"content-length", b"transfer-encoding", b"connection"))


def header_lines(headers: list[tuple[bytes, bytes]]) -> bytes:
    """The header lines uvicorn would write for `headers`, none of which it acts on (checked
    as `encode_head` checks them): to encode once a block that many responses end with."""
    encoded = encode_head([*headers, (b"content-length", b"0")])
    if encoded is None:
        raise ValueError("a header uvicorn acts on")
    return encoded[0].removesuffix(b"content-length: 0\r\n")


def encode_head(
    headers: list[tuple[bytes, bytes]], encoded_tail: bytes = b""
) -> tuple[bytes, int] | None:
    """`PREENCODED_HEAD`'s value for `headers` (then `encoded_tail`, from `header_lines`):
    the header lines uvicorn would write for them (names lower-cased, each checked as uvicorn
    checks it, `ValueError` if one is invalid) and the declared `content-length`; None without
    one, or with `transfer-encoding` or `connection` (uvicorn acts on those)."""
    lines = []
    length = None
    for name, value in headers:
        if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
            raise ValueError(f"invalid HTTP header {name!r}")
        name = name.lower()
        if name in _ACTED_ON:
            if name != b"content-length" or length is not None:
                return None
            length = int(value.decode())
        lines.append(b"%s: %s\r\n" % (name, value))
    lines.append(encoded_tail)
    return None if length is None else (b"".join(lines), length)


class CoalescedWrites(asyncio.Transport):
    """A transport whose writes within one event-loop step reach the socket as one write."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Hand what is held to the socket (nothing once the connection is closing)."""
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()  # a response followed by `Connection: close` still goes out whole
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._held))

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()


class PreencodedHeadCycle(RequestResponseCycle):
    """uvicorn's request/response cycle, writing a start message's `PREENCODED_HEAD` as it is.

    The bytes are those uvicorn writes for the same `headers` (held equal by
    `test_a_preencoded_head_is_the_bytes_uvicorn_writes`); the body then goes uvicorn's way."""

    _defaults: tuple[object, bytes] = (None, b"")  # uvicorn's default headers, encoded

    async def send(self, message: Any) -> None:
        head = message.get(PREENCODED_HEAD)
        if (
            head is None
            or self.response_started
            or self.disconnected
            or self.flow.write_paused
            or self.access_log
            or self.scope["method"] == "HEAD"
        ):
            await super().send(message)
            return
        block, length = head
        self.response_started = True
        self.waiting_for_100_continue = False
        self.chunked_encoding = False
        self.expected_content_length = length
        defaults = self.default_headers  # a new list each second (the Date header)
        if PreencodedHeadCycle._defaults[0] is not defaults:
            encoded = b"".join(b"%s: %s\r\n" % (name.lower(), value) for name, value in defaults)
            PreencodedHeadCycle._defaults = (defaults, encoded)
        self.transport.write(
            b"".join(
                (
                    STATUS_LINE[message["status"]],
                    PreencodedHeadCycle._defaults[1],
                    block,
                    b"\r\n" if self.keep_alive else b"connection: close\r\n\r\n",
                )
            )
        )


class OneWriteHTTPProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a `CoalescedWrites` transport, its cycles writing a
    pre-encoded header block as it is."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescedWrites(transport, asyncio.get_running_loop()))

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        # uvicorn made the request's cycle and scheduled its task, which has not run yet; the
        # subclass adds one method and no state
        cycle = self.cycle
        if cycle is not None and cycle.__class__ is RequestResponseCycle:
            cycle.__class__ = PreencodedHeadCycle


# what `uvicorn.run(http=...)` takes: a class path, importable again in each worker process
HTTP_PROTOCOL = f"{__name__}:{OneWriteHTTPProtocol.__name__}"
