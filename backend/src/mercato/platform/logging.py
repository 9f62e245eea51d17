"""Structured JSON logs on stdout (structlog), one line per event, ready for Filebeat/ELK.

The request id (and, in the worker, the task id) is bound in a contextvar and added to every line,
including lines from the standard library loggers (uvicorn, sqlalchemy, celery).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import hmac
import io
import logging
import select
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import orjson as _orjson
import structlog

_SENSITIVE_KEYS = {
    "password",
    "card_number",
    "number",
    "cvc",
    "client_secret",
    "token",
    "authorization",
}


def _redact(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key.lower() in _SENSITIVE_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


# Periodic tasks (the relay runs every second): Celery's "sent / received / succeeded" lines for
# them are DEBUG, not INFO (their failures and retries keep their level).
CHATTY_TASKS = ("mercato.outbox.relay", "mercato.jobs.")


class DemoteChattyTasks(logging.Filter):
    """Turns Celery's INFO bookkeeping lines about `CHATTY_TASKS` into DEBUG lines."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not record.name.startswith("celery"):
            return True
        message = record.getMessage()
        if not any(task in message for task in CHATTY_TASKS):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return self.level <= logging.DEBUG


def user_hasher(key: str) -> Callable[[str], str]:
    """A stable pseudonym for a user id in the logs (HMAC-SHA256 with the secret key, 16 hex)."""
    secret = key.encode()

    def user_hash(user_id: str) -> str:
        return hmac.new(secret, user_id.encode(), hashlib.sha256).hexdigest()[:16]

    return user_hash


def _add_service(service: str) -> Callable[[Any, str, dict[str, Any]], dict[str, Any]]:
    def add(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        event_dict.setdefault("service", service)
        return event_dict

    return add


class CurrentStreamHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stdout` (or `sys.stderr`) is at the time of the record, like
    logging's own last-resort handler does for stderr: a replaced stream (a test's capture, a
    daemon's redirect) never leaves the root logger writing to a closed one."""

    def __init__(self, name: Literal["stdout", "stderr"] = "stdout") -> None:
        self._stream_name = name
        super().__init__(getattr(sys, name))

    @property
    def stream(self) -> TextIO:
        stream: TextIO = getattr(sys, self._stream_name)
        return stream

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass

    def emit(self, record: logging.LogRecord) -> None:
        access_log.flush()  # access lines of this loop turn first: lines stay in order
        super().emit(record)


ACCESS_LOGGER = "mercato.access"


class AccessLog:
    """The one line per request (`message: "request"`), written without structlog's processor
    chain when the logs are JSON: the static fields (level, logger, service) are fixed, the record
    is serialised with orjson and written to the same stdout, with the same keys as every other
    line. Through structlog it cost ~110 µs a line, more than the whole bare server per request;
    this costs a few µs (docs/benchmarks.md). Console logs (development) keep the structlog path.

    When stdout is a file descriptor (a pipe, a file: a served process), the lines written during
    one turn of the event loop go out together at the end of it, in one `write` of whole lines
    (at most `PIPE_BUF` bytes each, so lines of several processes never interleave), not one
    `write` system call per request (several µs of a cached hit's 80 to 130). Another line, exit
    and `flush()` write them at once; outside an event loop, and into an in-memory stream (a
    test's capture), each line is written when it is made."""

    def __init__(self) -> None:
        self._json_service: str | None = None  # set by configure_logging(json=True)
        self._line_end = b""  # `request()`'s line after its timestamp
        self._logger = logging.getLogger(ACCESS_LOGGER)
        self._fallback = structlog.get_logger(ACCESS_LOGGER)
        self._pending: list[bytes] = []  # this loop turn's lines, when stdout is a descriptor
        self._flush_loop: asyncio.AbstractEventLoop | None = None  # the loop that will write them
        atexit.register(self._flush_at_exit)

    def configure(self, *, json: bool, service: str) -> None:
        self._json_service = service if json else None
        self._line_end = b'","service":%b,"message":"request"}\n' % _orjson.dumps(service)

    def enabled(self) -> bool:
        return self._logger.isEnabledFor(logging.INFO)

    def info(self, **fields: Any) -> None:
        """The line, with the bound context (the request id) first, as every line has it."""
        if not self._logger.isEnabledFor(logging.INFO):
            return
        self._write({**structlog.contextvars.get_contextvars(), **fields})

    def _write(self, fields: dict[str, Any]) -> None:
        service = self._json_service
        if service is None:
            self._fallback.info("request", **fields)
            return
        fields["level"] = "info"
        fields["logger"] = ACCESS_LOGGER
        fields["timestamp"] = utc_timestamp()
        fields["service"] = service
        fields["message"] = "request"
        self._emit(_orjson.dumps(fields, default=str, option=_orjson.OPT_APPEND_NEWLINE))

    def _emit(self, line: bytes) -> None:
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._pending:
            if loop is self._flush_loop:
                self._pending.append(line)
                return
            self.flush()  # the batch of a loop that stopped before its turn ended
        stream = sys.stdout
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a text-only stream (a test's StringIO)
            stream.write(line.decode())
        elif loop is None or not _is_descriptor(buffer):
            _write_lines(stream, buffer, [line])
        else:
            self._pending.append(line)
            self._flush_loop = loop
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the lines waiting for the end of this loop turn (if any)."""
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        stream = sys.stdout
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            stream.write(b"".join(lines).decode())
        else:
            _write_lines(stream, buffer, lines)

    def _flush_at_exit(self) -> None:
        with contextlib.suppress(ValueError, OSError):  # stdout already closed, or a closed pipe
            self.flush()

    def request(
        self,
        request_id: str,
        method: str,
        path: str,
        route: str,
        status: int,
        duration_ms: float,
        client: str,
        *,
        middle: bytes | None = None,
        user_hash: str | None = None,
    ) -> None:
        """The line for a request answered with nothing bound to the context but its id (the
        edge; `user_hash` for a signed-in caller's): the same keys, in the same order, as `info`
        writes for it, filled into bytes instead of serialising a dict. `middle` is
        `request_middle()` of the same method, path, route and status, for a caller that answers
        many requests alike (the edge keeps it per answer): a cached hit's line then costs
        ~1 µs."""
        if not self._logger.isEnabledFor(logging.INFO):
            return
        if self._json_service is None:
            self._write(
                {
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                    "client": client,
                    "user_hash": user_hash,
                }
            )
            return
        if middle is None:
            middle = self.request_middle(method, path, route, status)
        dumps = _orjson.dumps
        self._emit(
            b'{"request_id":%b%b%b,"client":%b%b%b%b'
            % (
                dumps(request_id),
                middle,
                dumps(duration_ms),
                dumps(client),
                _LINE_AFTER_CLIENT
                if user_hash is None
                else b',"user_hash":%b%b' % (dumps(user_hash), _LINE_AFTER_USER),
                utc_timestamp().encode(),
                self._line_end,
            )
        )

    @staticmethod
    def request_middle(method: str, path: str, route: str, status: int) -> bytes:
        """`request()`'s line from the method to the duration's key."""
        dumps = _orjson.dumps
        return b',"method":%b,"path":%b,"route":%b,"status":%d,"duration_ms":' % (
            dumps(method),
            dumps(path),
            dumps(route),
            status,
        )


# `request()`'s line between the client and the timestamp (a test holds its lines equal to the
# bytes orjson makes of `info`'s dict).
_LINE_AFTER_USER = b',"level":"info","logger":"mercato.access","timestamp":"'
_LINE_AFTER_CLIENT = b',"user_hash":null' + _LINE_AFTER_USER


def _is_descriptor(buffer: Any) -> bool:
    """Whether the binary stream is an OS file descriptor (a pipe, a file, a terminal), not an
    in-memory buffer (pytest's capsys)."""
    try:
        buffer.fileno()
    except (AttributeError, io.UnsupportedOperation, ValueError):
        return False
    return True


def _write_lines(stream: TextIO, buffer: Any, lines: list[bytes]) -> None:
    """The lines in as few writes as possible, each at most PIPE_BUF bytes of whole lines (a
    write that size to a pipe is atomic: other processes' lines never land inside one)."""
    stream.flush()  # whatever the text layer holds goes first
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) > select.PIPE_BUF:
            buffer.write(b"".join(chunk))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line)
    buffer.write(b"".join(chunk))
    buffer.flush()


_second = -1
_second_text = ""  # "2026-12-03T21:00:00." for `_second`


def utc_timestamp() -> str:
    """`datetime.now(UTC).isoformat()` with a `Z`, the format of every line, in a sixth of the
    time: the date and time up to the second are formatted once per second."""
    global _second, _second_text
    second, nanos = divmod(time.time_ns(), 1_000_000_000)
    if second != _second:
        _second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        _second = second
    return "%s%06dZ" % (_second_text, nanos // 1000)  # noqa: UP031 (faster than an f-string here)


access_log = AccessLog()


def configure_logging(
    level: str = "INFO",
    *,
    json: bool = True,
    service: str = "mercato",
    stream: Literal["stdout", "stderr"] = "stdout",
) -> None:
    """One JSON object per line: timestamp, level, logger, message, service, and the context
    (request_id, route, status, duration_ms, user; task_id, task_name) when there is one.
    Services log to stdout; CLI commands to stderr, so their stdout carries only their output."""
    access_log.configure(json=json, service=service)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        _redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        # filter_by_level first: below the level, nothing is formatted (hot paths log per request)
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            *([structlog.processors.EventRenamer("message")] if json else []),
            renderer,
        ],
    )
    handler = CurrentStreamHandler(stream)
    handler.setFormatter(formatter)
    logging.captureWarnings(True)  # Python warnings become log lines (JSON), not bare stderr text
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    handler.addFilter(DemoteChattyTasks(root.level))
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # Our own access line replaces uvicorn's. Its logger gets no handler, even through the root:
    # uvicorn checks `hasHandlers()` once per connection and, when true, formats its line's
    # arguments (the client, the quoted path) on every response before the level check drops it.
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers[:] = []
    uvicorn_access.propagate = False
    uvicorn_access.setLevel(logging.WARNING)
