"""The access lines of one event-loop turn reach a real stdout together, in whole lines, in
order with every other line; and uvicorn builds no access line of its own."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import select
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mercato.platform.logging import access_log, configure_logging


class RecordingFile(io.FileIO):
    """A real file descriptor that remembers the size of every write."""

    writes: list[int]

    def write(self, data: Any) -> int:
        self.writes.append(len(data))
        return super().write(data)


@contextmanager
def real_stdout(tmp_path: Path) -> Iterator[RecordingFile]:
    """stdout on a file descriptor, for the test's body (pytest puts its own capture back on
    `sys.stdout` between a fixture's set-up and the test)."""
    raw = RecordingFile(tmp_path / "stdout.log", "w")
    raw.writes = []
    saved = sys.stdout
    sys.stdout = io.TextIOWrapper(raw, write_through=True)
    configure_logging("INFO", json=True, service="api")
    try:
        yield raw
    finally:
        access_log.flush()
        sys.stdout = saved
        raw.close()


def _lines(raw: RecordingFile) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(raw.name).read_text().splitlines()]


def _access(n: int) -> None:
    access_log.request(f"id-{n}", "GET", f"/p/{n}", "/p/{n}", 200, 0.1, "127.0.0.1")


def _access_in_a_loop_that_stops(n: int) -> None:
    """An access line written in a loop that stops at the end of that turn, before the turn
    that would write it."""

    async def request() -> None:
        _access(n)

    loop = asyncio.new_event_loop()
    task = loop.create_task(request())
    loop.call_soon(loop.stop)
    loop.run_forever()
    loop.close()
    assert task.done()


async def test_one_turn_of_lines_is_one_write_after_the_turn(tmp_path: Path) -> None:
    with real_stdout(tmp_path) as stdout:
        for n in range(3):
            _access(n)
        assert stdout.writes == []  # not yet: the turn is not over
        await asyncio.sleep(0)
        assert len(stdout.writes) == 1
        assert [line["request_id"] for line in _lines(stdout)] == ["id-0", "id-1", "id-2"]


async def test_a_big_turn_is_written_in_whole_lines_of_at_most_pipe_buf(tmp_path: Path) -> None:
    with real_stdout(tmp_path) as stdout:
        for n in range(100):
            _access(n)
        await asyncio.sleep(0)
        assert len(stdout.writes) > 1
        assert max(stdout.writes) <= select.PIPE_BUF
        assert [line["request_id"] for line in _lines(stdout)] == [f"id-{n}" for n in range(100)]


async def test_another_line_goes_after_the_waiting_access_lines(tmp_path: Path) -> None:
    with real_stdout(tmp_path) as stdout:
        _access(1)
        logging.getLogger("mercato.test").warning("after")
        _access(2)
        await asyncio.sleep(0)
        assert [line.get("request_id", line["message"]) for line in _lines(stdout)] == [
            "id-1",
            "after",
            "id-2",
        ]


def test_outside_an_event_loop_a_line_is_written_at_once(tmp_path: Path) -> None:
    with real_stdout(tmp_path) as stdout:
        _access(7)
        assert [line["request_id"] for line in _lines(stdout)] == ["id-7"]


def test_lines_left_by_a_loop_that_stopped_go_out_with_the_next_line(tmp_path: Path) -> None:
    with real_stdout(tmp_path) as stdout:
        _access_in_a_loop_that_stops(1)
        assert stdout.writes == []  # the turn that would have written it never came
        _access(2)
        assert [line["request_id"] for line in _lines(stdout)] == ["id-1", "id-2"]


def test_uvicorn_builds_no_access_line_of_its_own() -> None:
    # uvicorn formats its access line's arguments on every response when this is true
    configure_logging("INFO", json=True, service="api")
    assert not logging.getLogger("uvicorn.access").hasHandlers()
    assert logging.getLogger("uvicorn.error").hasHandlers()  # its errors still reach our logs


def test_a_line_waiting_at_exit_for_a_closed_stdout_is_dropped_quietly(tmp_path: Path) -> None:
    with real_stdout(tmp_path) as stdout:
        _access_in_a_loop_that_stops(1)
        sys.stdout.close()  # e.g. the reading end went away before the process exits
        access_log._flush_at_exit()  # what atexit runs: no exception (flush() raises ValueError)
        assert stdout.writes == []


def test_the_edge_line_is_the_bytes_orjson_makes_of_the_same_fields(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """`request()` fills a template; `info()` serialises a dict. Same fields, same bytes,
    including text that JSON must escape and durations of every shape."""
    stamp = "2026-12-03T21:00:00.000001Z"
    monkeypatch.setattr("mercato.platform.logging.utc_timestamp", lambda: stamp)
    cases = [
        ("0123456789abcdef0123456789abcdef", "/api/v1/products", "/api/v1/products", 200, 0.12),
        ("a.b:c-d_e", '/p/"quoted"\\/é\u2028', "/p/{slug}", 304, 0.0),
        ("x", "/p/\x01\x1f", "/p/{slug}", 404, 1234.5),
        ("y", "/p", "/p", 200, 1e-05),
    ]
    user_hashes = [None, "0f1e2d3c4b5a6978", None, 'a"b']
    with real_stdout(tmp_path) as raw:
        for (request_id, path, route, status, duration_ms), user_hash in zip(
            cases, user_hashes, strict=True
        ):
            access_log.request(
                request_id, "GET", path, route, status, duration_ms, "10.0.0.1", user_hash=user_hash
            )
            access_log.info(
                request_id=request_id,
                method="GET",
                path=path,
                route=route,
                status=status,
                duration_ms=duration_ms,
                client="10.0.0.1",
                user_hash=user_hash,
            )
        access_log.flush()
        written = Path(raw.name).read_bytes().splitlines()
    assert len(written) == 2 * len(cases)
    for template_line, dict_line in zip(written[::2], written[1::2], strict=True):
        assert template_line == dict_line
    assert json.loads(written[2])["path"] == '/p/"quoted"\\/é\u2028'
