"""The edge: the first code a request meets, answering the hottest requests by itself.

A cached public read (the catalog's lists, pages and search) is most of a shop's traffic. The full
stack (request context and access log, security headers, body limit, CORS, the NUL guard, HEAD,
the catalog fast path, then Starlette's and FastAPI's own layers) wraps every `send` once per
layer and cost more per request than the whole server (docs/benchmarks.md). `MercatoAPI` asks
the edge first; the edge asks a responder and, when it has an answer, sends it with everything
those layers would have added, in one pass, with the header block built once per answer:

- the request id (a valid incoming `X-Request-ID`, or a new one) on the response and the log line;
- the security headers (and HSTS over TLS), `Cache-Control: no-store` when the answer sets none,
  `Vary: Origin` as the CORS layer appends it;
- the request's metrics and its JSON access line, with the same keys as every other request.

Only requests every layer would pass through untouched come here: GET, no `Origin` (CORS adds
headers that depend on it), no body (`Content-Length` / `Transfer-Encoding`), no NUL in the query
string. Everything else, and every request the responder declines (a miss, the cache down, any
other path), goes to the full stack unchanged.

A lane does the same for one POST route: the edge reads the small JSON body (a declared
`Content-Length` within `LANE_MAX_BODY`, no `Origin`, no query string, no NUL or `\\u` escape in
the body: what the body limit, CORS and the NUL guard would let through untouched) and hands it to
the lane, which answers (a checkout: `checkout/lane.py`) or lets it go on to the full stack with
the body replayed, possibly from inside its own context (`go_on`). A lane that logs binds the
request id itself (`checkout/lane.py`), where it has something to log: binding it for every
request cost a refused buyer ~5 µs of its ~55.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import orjson
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mercato.platform.errors import PROBLEM_CONTENT_TYPE, DomainError, problem_body
from mercato.platform.ids import new_request_id
from mercato.platform.logging import access_log
from mercato.platform.metrics import observe_request
from mercato.platform.middleware import (
    DEFAULT_CACHE_CONTROL,
    HSTS_HEADER,
    SECURITY_HEADERS,
    VALID_REQUEST_ID,
    read_body,
)
from mercato.platform.serving import PREENCODED_HEAD, encode_head, header_lines

# Request headers that some layer of the full stack acts on: their requests take the full stack.
_FULL_STACK_HEADERS = frozenset((b"origin", b"content-length", b"transfer-encoding"))
_LANE_FULL_STACK_HEADERS = frozenset((b"origin", b"transfer-encoding"))
_HSTS_LINE = b"%s: %s\r\n" % HSTS_HEADER
_SECURITY_LINES = header_lines(SECURITY_HEADERS)  # every answer ends with them
LANE_MAX_BODY = 4096  # bytes; a larger body takes the full stack (and its limit)

Headers = list[tuple[bytes, bytes]]


class EdgeAnswer:
    """A response the edge can send; a responder may give the same one to many requests."""

    __slots__ = (
        "body",
        "headers",
        "log_middle",
        "route",
        "status",
        "user_hash",
        "wire_head",
        "wire_headers",
    )

    def __init__(
        self, status: int, headers: Headers, body: bytes, route: str, user_hash: str | None = None
    ) -> None:
        self.status = status
        self.headers = headers  # the answer's own; the edge adds the rest
        self.body = body
        self.route = route  # the route template, for the metrics and the access log
        self.user_hash = user_hash  # a lane's signed-in caller, for the access line
        self.wire_headers: Headers | None = None  # with the edge's, but the request id
        self.wire_head: tuple[bytes, int] | None = None  # those encoded (`serving.encode_head`)
        self.log_middle: tuple[str, bytes] | None = None  # (path, its access line's middle)

    def __repr__(self) -> str:
        return f"EdgeAnswer({self.status}, {self.route!r}, {len(self.body)} bytes)"


def problem_answer(
    error: DomainError,
    route: str,
    *,
    instance: str,
    request_id: str | None = None,
    user_hash: str | None = None,
) -> EdgeAnswer:
    """What the error handlers make of `error` (`platform.errors.problem_response`; Starlette
    puts the error's own headers before the length and type), as an answer the edge sends."""
    extra = {**error.extra, "request_id": request_id} if request_id else error.extra
    body = problem_body(
        error.status, error.code, error.detail, title=error.title, instance=instance, **extra
    )
    content = orjson.dumps(body)
    headers = [(name.lower().encode(), value.encode()) for name, value in error.headers.items()]
    headers += [
        (b"content-length", str(len(content)).encode()),
        (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
    ]
    return EdgeAnswer(error.status, headers, content, route, user_hash)


class EdgeResponder(Protocol):
    def __call__(
        self, path: str, query_string: bytes, if_none_match: bytes | None
    ) -> Awaitable[EdgeAnswer | None]: ...


class EdgeLane(Protocol):
    """Answers a POST itself (an `EdgeAnswer`), or calls `go_on()` once to let the full stack
    answer it (and returns None); returning None without calling it does the same."""

    route: str  # the path it takes, and its route template

    def __call__(
        self,
        scope: Scope,
        body: bytes,
        request_id: str,
        go_on: Callable[[], Awaitable[None]],
    ) -> Awaitable[EdgeAnswer | None]: ...


class Edge:
    def __init__(
        self,
        responder: EdgeResponder,
        on_request_id: Callable[[str], None] | None = None,
        lanes: tuple[EdgeLane, ...] = (),
    ) -> None:
        self.responder = responder
        self.on_request_id = on_request_id
        self.lanes = {lane.route: lane for lane in lanes}

    async def through_lane(
        self, lane: EdgeLane, scope: Scope, receive: Receive, send: Send, full_stack: ASGIApp
    ) -> None:
        """A POST to a lane's route: the lane's answer, or the full stack's."""
        if scope["query_string"]:
            await full_stack(scope, receive, send)
            return
        incoming = None
        declared = -1
        for name, value in scope["headers"]:
            if name in _LANE_FULL_STACK_HEADERS:
                await full_stack(scope, receive, send)
                return
            if name == b"content-length":
                declared = int(value) if value.isdigit() and declared < 0 else LANE_MAX_BODY + 1
            elif name == b"x-request-id":
                incoming = value
        if not 0 < declared <= LANE_MAX_BODY:
            await full_stack(scope, receive, send)
            return
        started = time.perf_counter()
        body, messages = await read_body(receive)

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        went_on = False

        async def go_on() -> None:
            nonlocal went_on
            went_on = True
            await full_stack(scope, replay, send)

        if len(body) != declared or b"\\u" in body or b"\x00" in body:
            await go_on()  # the full stack's NUL guard and validation answer these
            return
        request_id = _request_id(incoming)
        if self.on_request_id is not None:
            self.on_request_id(request_id)  # Sentry's tag, for what the lane reports
        answer = await lane(scope, body, request_id, go_on)
        if answer is None:
            if not went_on:
                await go_on()
            return
        await self._send(scope, send, answer, request_id, started)

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer the request if it can; False (nothing sent) leaves it to the full stack."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        query_string: bytes = scope["query_string"]
        if b"%00" in query_string or b"\x00" in query_string:
            return False
        incoming = if_none_match = None
        for name, value in scope["headers"]:
            if name in _FULL_STACK_HEADERS:
                return False
            if name == b"x-request-id":
                incoming = value
            elif name == b"if-none-match":
                if_none_match = value
        started = time.perf_counter()
        answer = await self.responder(scope["path"], query_string, if_none_match)
        if answer is None:
            return False
        request_id = _request_id(incoming)
        if self.on_request_id is not None:
            self.on_request_id(request_id)
        await self._send(scope, send, answer, request_id, started)
        return True

    @staticmethod
    async def _send(
        scope: Scope, send: Send, answer: EdgeAnswer, request_id: str, started: float
    ) -> None:
        """The answer with the headers, metrics and access line the full stack would add."""
        headers = answer.wire_headers
        if headers is None:
            own = _vary_origin(answer.headers)
            if answer.status != 304 and all(name != b"cache-control" for name, _ in own):
                own = [*own, DEFAULT_CACHE_CONTROL]  # as SecurityHeadersMiddleware adds it
            headers = answer.wire_headers = own + SECURITY_HEADERS
            answer.wire_head = encode_head(own, _SECURITY_LINES)
        rid = request_id.encode()
        if scope.get("scheme") == "https":
            headers = [*headers, HSTS_HEADER, (b"x-request-id", rid)]
            last_lines = b"%sx-request-id: %s\r\n" % (_HSTS_LINE, rid)
        else:
            headers = [*headers, (b"x-request-id", rid)]
            last_lines = b"x-request-id: %s\r\n" % rid
        status = answer.status
        method = scope["method"]
        start: Message = {"type": "http.response.start", "status": status, "headers": headers}
        head = answer.wire_head
        if head is not None:  # what `mercato serve` writes as it is (ADR 0053)
            start[PREENCODED_HEAD] = (head[0] + last_lines, head[1])
        try:
            await send(start)
            await send({"type": "http.response.body", "body": answer.body})
        finally:
            elapsed = time.perf_counter() - started
            observe_request(method, answer.route, status, elapsed)
            path = scope["path"]
            log_middle = answer.log_middle
            if log_middle is None or log_middle[0] != path:
                middle = access_log.request_middle(method, path, answer.route, status)
                log_middle = answer.log_middle = (path, middle)
            access_log.request(
                request_id,
                method,
                path,
                answer.route,
                status,
                round(elapsed * 1000, 2),
                (scope.get("client") or ("", 0))[0],
                middle=log_middle[1],
                user_hash=answer.user_hash,
            )


class MercatoAPI(FastAPI):
    """FastAPI, with the edge in front of Starlette's middleware stack."""

    edge: Edge | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        edge = self.edge
        if edge is not None:
            if scope["type"] == "http" and scope["method"] == "POST":
                lane = edge.lanes.get(scope["path"])
                if lane is not None:
                    await edge.through_lane(lane, scope, receive, send, super().__call__)
                    return
            elif await edge.answer(scope, send):
                return
        await super().__call__(scope, receive, send)


def _request_id(incoming: bytes | None) -> str:
    if incoming is not None:
        text = incoming.decode("latin-1")
        if VALID_REQUEST_ID.match(text):
            return text
    return new_request_id()


def _vary_origin(headers: Headers) -> Headers:
    """The headers with `Origin` appended to `Vary`, as the CORS layer does for every response
    to a request without an Origin (the answer differs by Origin); a new list."""
    out = []
    varied = False
    for name, value in headers:
        if name == b"vary":
            value += b", Origin"
            varied = True
        out.append((name, value))
    if not varied:
        out.append((b"vary", b"Origin"))
    return out
