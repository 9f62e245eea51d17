"""The transport under `mercato serve` holds the writes of one event-loop step and hands them to
the socket as one, so a killed API process never leaves a response half-sent (ADR 0052)."""

from __future__ import annotations

import asyncio
from typing import Any

from mercato.platform.serving import CoalescedWrites


class SocketTransport(asyncio.Transport):
    """Records what would reach the socket."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: Any) -> None:
        assert not self.closed
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


async def _next_step() -> None:
    await asyncio.sleep(0)


async def test_the_writes_of_one_step_reach_the_socket_as_one() -> None:
    socket = SocketTransport()
    transport = CoalescedWrites(socket, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    transport.write(memoryview(b"{}"))
    assert socket.writes == []
    assert transport.get_write_buffer_size() == 40
    await _next_step()
    assert socket.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]

    transport.write(b"next")  # a later step: its own write
    await _next_step()
    assert socket.writes[1:] == [b"next"]


async def test_close_sends_what_is_held_first_and_abort_drops_it() -> None:
    socket = SocketTransport()
    transport = CoalescedWrites(socket, asyncio.get_running_loop())
    transport.write(b"head")
    transport.write(b"body")
    transport.close()  # `Connection: close`: the answer still goes out, whole, before the close
    assert (socket.writes, socket.closed) == ([b"headbody"], True)
    await _next_step()
    assert socket.writes == [b"headbody"]

    other = SocketTransport()
    aborting = CoalescedWrites(other, asyncio.get_running_loop())
    aborting.write(b"head")
    aborting.abort()
    await _next_step()
    assert (other.writes, other.aborted) == ([], True)


async def test_nothing_is_written_to_a_connection_already_closing() -> None:
    socket = SocketTransport()
    transport = CoalescedWrites(socket, asyncio.get_running_loop())
    transport.write(b"late")
    socket.close()  # the peer went away before the step ended
    await _next_step()
    assert socket.writes == []
    assert transport.is_closing()
