"""A response that brings its header block already encoded (the edge's cached answers) is written
by `mercato serve` as it is, and the bytes on the wire are those uvicorn writes for the same
headers (ADR 0053)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from mercato.platform.serving import (
    PREENCODED_HEAD,
    PreencodedHeadCycle,
    encode_head,
    header_lines,
)

HEADERS = [
    (b"Content-Type", b"application/json"),
    (b"content-length", b"11"),
    (b"ETag", b'W/"0123abcd"'),
    (b"cache-control", b"public, max-age=60"),
    (b"vary", b"Accept-Encoding, Origin"),
    (b"x-request-id", b"f00dfeed"),
]
BODY = b'{"ok":true}'
DEFAULTS = [(b"date", b"Fri, 04 Dec 2026 19:00:00 GMT")]


class Socket:
    def __init__(self) -> None:
        self.written = b""
        self.closed = False

    def write(self, data: Any) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _cycle(
    cycle_class: type[RequestResponseCycle], socket: Socket, method: str, keep_alive: bool
) -> RequestResponseCycle:
    return cycle_class(
        scope={"method": method},  # type: ignore[typeddict-item]
        transport=socket,  # type: ignore[arg-type]
        flow=FlowControl(socket),  # type: ignore[arg-type]
        logger=None,  # type: ignore[arg-type]
        access_logger=None,  # type: ignore[arg-type]
        access_log=False,
        default_headers=DEFAULTS,
        message_event=asyncio.Event(),
        expect_100_continue=False,
        keep_alive=keep_alive,
        on_response=lambda: None,
    )


async def _respond(
    cycle_class: type[RequestResponseCycle], method: str, keep_alive: bool, preencode: bool
) -> Socket:
    socket = Socket()
    cycle = _cycle(cycle_class, socket, method, keep_alive)
    start: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": HEADERS}
    if preencode:
        start[PREENCODED_HEAD] = encode_head(HEADERS)
    await cycle.send(start)  # type: ignore[arg-type]
    await cycle.send({"type": "http.response.body", "body": BODY})
    assert cycle.response_complete
    return socket


@pytest.mark.parametrize("keep_alive", [True, False], ids=["keep-alive", "connection-close"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_a_preencoded_head_is_the_bytes_uvicorn_writes(method: str, keep_alive: bool) -> None:
    uvicorns = await _respond(RequestResponseCycle, method, keep_alive, preencode=False)
    ours = await _respond(PreencodedHeadCycle, method, keep_alive, preencode=True)

    assert ours.written == uvicorns.written
    assert ours.closed is uvicorns.closed is (not keep_alive)
    head = ours.written.split(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 200 OK\r\ndate: Fri, 04 Dec 2026 19:00:00 GMT\r\n")
    assert b'\r\netag: W/"0123abcd"\r\n' in head  # names lower-cased, as uvicorn writes them
    assert (b"connection: close" in head) is (not keep_alive)


async def test_a_body_longer_than_the_preencoded_length_is_refused_as_uvicorn_refuses_it() -> None:
    cycle = _cycle(PreencodedHeadCycle, Socket(), "GET", keep_alive=True)
    start = {"type": "http.response.start", "status": 200, "headers": HEADERS}
    await cycle.send({**start, PREENCODED_HEAD: encode_head(HEADERS)})  # type: ignore[typeddict-item]
    with pytest.raises(RuntimeError, match="longer than Content-Length"):
        await cycle.send({"type": "http.response.body", "body": BODY + b" "})


def test_headers_uvicorn_acts_on_or_refuses_are_not_preencoded() -> None:
    assert encode_head([(b"content-type", b"text/plain")]) is None  # no length: chunked
    assert encode_head([*HEADERS, (b"connection", b"close")]) is None
    assert encode_head([*HEADERS, (b"transfer-encoding", b"chunked")]) is None
    assert encode_head([*HEADERS, (b"content-length", b"11")]) is None
    with pytest.raises(ValueError, match="invalid HTTP header"):
        encode_head([*HEADERS, (b"x-injected", b"a\r\nset-cookie: b=c")])
    with pytest.raises(ValueError, match="invalid HTTP header"):
        encode_head([*HEADERS, (b"bad name", b"x")])


def test_a_block_encoded_once_then_appended_is_the_same_head() -> None:
    """The edge encodes the security headers every answer ends with once (`header_lines`) and
    appends them to each answer's own: the same bytes as encoding them all."""
    tail = [(b"X-Content-Type-Options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    assert encode_head(HEADERS, header_lines(tail)) == encode_head([*HEADERS, *tail])
    with pytest.raises(ValueError, match="acts on"):
        header_lines([(b"connection", b"close")])
    with pytest.raises(ValueError, match="invalid HTTP header"):
        header_lines([(b"x-injected", b"a\r\nb")])
