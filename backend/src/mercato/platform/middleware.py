"""Pure ASGI middleware: request id + access log, security headers, request body size limit,
refusal of text no database can store."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

import structlog
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mercato.platform.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE
from mercato.platform.ids import new_request_id
from mercato.platform.logging import access_log
from mercato.platform.metrics import observe_request

VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")  # \Z: no trailing newline
# nosniff, no framing, a strict referrer policy; HSTS when the request came over TLS.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS_HEADER = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class RequestContextMiddleware:
    """Accept or generate X-Request-ID, echo it, bind it to every log line, log the request.

    Also records the request's metrics (route template, never the raw path) and, when Sentry is
    on, tags the request's Sentry scope with the request id (`on_request_id`).
    """

    def __init__(
        self,
        app: ASGIApp,
        user_hash: Callable[[str], str] | None = None,
        on_request_id: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.user_hash = user_hash
        self.on_request_id = on_request_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if VALID_REQUEST_ID.match(incoming) else new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        if self.on_request_id is not None:
            self.on_request_id(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            status = status_holder["status"]
            route = route_template(scope, status)
            observe_request(scope["method"], route, status, elapsed)
            claims = state.get("auth_claims")
            user = (
                self.user_hash(str(claims.user_id))
                if claims is not None and self.user_hash is not None
                else None
            )
            access_log.info(
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
                client=(scope.get("client") or ("", 0))[0],
                user_hash=user,
            )
            structlog.contextvars.clear_contextvars()


def route_template(scope: Scope, status: int) -> str:
    """The matched route's full template (`/api/v1/products/{slug}`), never the raw path."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template:
        # FastAPI keeps included routers nested: the route's path lacks the include prefix, which
        # is the request path's leading segments (prefixes are static here).
        path: str = scope["path"]
        depth = path.count("/") - template.count("/")
        if depth <= 0 or ":path}" in template:
            return str(template)
        cut = -1
        for _ in range(depth):
            cut = path.index("/", cut + 1)
        return path[: path.index("/", cut + 1)] + str(template)
    fast = scope.get(ROUTE_TEMPLATE_KEY)
    if fast:
        return str(fast)
    return "unmatched" if status in (404, 405) else "other"


ROUTE_TEMPLATE_KEY = "mercato.route_template"  # set by middleware that answers before routing


class HeadAsGetMiddleware:
    """Answer HEAD like GET without the body (FastAPI routes declare GET only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        inner = {**scope, "method": "GET"}
        try:
            await self.app(inner, receive, send_headers_only)
        finally:
            for key in ("route", ROUTE_TEMPLATE_KEY):  # for the metrics and the access log
                if key in inner:
                    scope[key] = inner[key]


# A response that does not say how it may be cached is not stored anywhere: guest carts and orders
# read with their token carry no Authorization header, so a shared cache (a CDN, a corporate proxy)
# would otherwise be free to keep them. Public reads set their own `Cache-Control`.
DEFAULT_CACHE_CONTROL = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware:
    """`SECURITY_HEADERS` on every response (unless the app set one), HSTS over TLS, and
    `Cache-Control: no-store` on one that sets no `Cache-Control` (a 304 keeps what it has)."""

    DOCS_PATHS = ("/docs", "/redoc")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS:
                    if key not in present:
                        headers.append((key, value))
                if b"cache-control" not in present and message["status"] != 304:
                    headers.append(DEFAULT_CACHE_CONTROL)
                if https:
                    headers.append(HSTS_HEADER)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)


class BodySizeLimitMiddleware:
    """Reject bodies larger than the limit with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = int(value) if value.isdigit() else -1  # bytes: ASCII digits only
                if declared < 0:
                    await _send_problem(
                        scope, send, 400, "invalid_content_length", "Content-Length is invalid."
                    )
                    return
                if declared > limit:
                    await _send_413(scope, send, limit)
                    return
        if not any(name == b"content-length" for name, _ in scope["headers"]):
            # Chunked body of unknown size: buffer it (bounded by the limit) before the app runs.
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await _send_413(scope, send, limit)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            replay: list[Message] = [
                {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            ]

            async def replay_receive() -> Message:
                return replay.pop() if replay else await receive()

            await self.app(scope, replay_receive, send)
            return
        await self.app(scope, receive, send)


async def _send_413(scope: Scope, send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + "payload_too_large",
            "title": "Payload too large",
            "status": 413,
            "code": "payload_too_large",
            "detail": f"The request body exceeds the limit of {limit} bytes.",
            "instance": scope["path"],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# NUL, and lone UTF-16 surrogates: valid JSON escapes (`"\ud800"`) no UTF-8 encoder accepts.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_TEXT_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
MAX_JSON_DEPTH = 64  # nested arrays/objects in a JSON body; no request schema comes close

_UNSTORABLE_TEXT = (
    "invalid_text",
    "contains a NUL character, an unpaired surrogate or text that is not UTF-8",
)
_TOO_DEEP = ("validation_error", f"is JSON nested more than {MAX_JSON_DEPTH} levels deep")


class UnstorableTextMiddleware:
    """Refuse NUL characters and lone surrogates anywhere in the request's text, and JSON bodies
    nested too deeply to inspect.

    PostgreSQL rejects NUL in text and no UTF-8 encoder accepts a lone surrogate, so such input
    could only ever fail deep inside a handler (or, on SQLite, be stored and break later). One
    check here covers the query string and JSON, URL-encoded and multipart bodies of every module
    with a 422 `invalid_text` problem; in form bodies (URL-encoded, and multipart field names,
    file names and the values of fields that are not files) text that is not UTF-8 is refused
    too, rather than stored as mojibake. File contents are not inspected. A JSON body nested
    more than `MAX_JSON_DEPTH` levels (or too deep for the parser) is a 422 `validation_error`.
    Paths are left to the routes (a NUL cannot match a slug: 404; nor a UUID: 422). Bodies that
    are not valid JSON or multipart pass through for the app's own 400/422.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _query_unstorable(scope.get("query_string", b"")):
            await _send_refusal(scope, send, "query", _UNSTORABLE_TEXT)
            return
        content_type_header = _header(scope, b"content-type")
        content_type = content_type_header.split(";", 1)[0].strip().lower()
        if not content_type.startswith(_TEXT_BODY_TYPES) and not content_type.endswith("+json"):
            await self.app(scope, receive, send)
            return
        body, messages = await read_body(receive)
        problem = _body_problem(body, content_type, content_type_header)
        if problem is not None:
            await _send_refusal(scope, send, "body", problem)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


async def read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def _query_unstorable(query_string: bytes) -> bool:
    if b"%00" not in query_string and b"\x00" not in query_string:
        return False  # the common case, without decoding
    return any(b"\x00" in part for part in _form_parts(query_string))


def _form_parts(encoded: bytes) -> list[bytes]:
    return [
        unquote_to_bytes(part.replace(b"+", b" "))
        for pair in encoded.split(b"&")
        for part in pair.split(b"=", 1)
    ]


def _text_bytes_unstorable(raw: bytes) -> bool:
    """NUL, or not UTF-8 (which is also how a lone surrogate arrives in form text)."""
    try:
        raw.decode()
    except UnicodeDecodeError:
        return True
    return b"\x00" in raw


Problem = tuple[str, str]  # (code, what the body is)


def _body_problem(body: bytes, content_type: str, content_type_header: str) -> Problem | None:
    if content_type == "application/x-www-form-urlencoded":
        unstorable = any(_text_bytes_unstorable(part) for part in _form_parts(body))
        return _UNSTORABLE_TEXT if unstorable else None
    if content_type == "multipart/form-data":
        texts = _multipart_texts(body, content_type_header)
        unstorable = any(_text_bytes_unstorable(text) for text in texts)
        return _UNSTORABLE_TEXT if unstorable else None
    try:
        value = json.loads(body)
    except RecursionError:
        return _TOO_DEEP
    except ValueError:
        return None  # not JSON: the app answers 400/422 itself
    return _json_problem(value, 0)


def _json_problem(value: object, depth: int) -> Problem | None:
    """`depth`: the arrays and objects around `value`."""
    if isinstance(value, str):
        return _UNSTORABLE_TEXT if _UNSTORABLE.search(value) else None
    if not isinstance(value, dict | list):
        return None
    if depth >= MAX_JSON_DEPTH:
        return _TOO_DEEP
    items = [item for pair in value.items() for item in pair] if isinstance(value, dict) else value
    for item in items:
        if (problem := _json_problem(item, depth + 1)) is not None:
            return problem
    return None


def _multipart_texts(body: bytes, content_type_header: str) -> list[bytes]:
    """What the app decodes as text in a multipart body: every part's field name and file name,
    and the value of each part that is not a file. Empty when it does not parse (the app
    answers 400 itself)."""
    _, params = parse_options_header(content_type_header)
    boundary = params.get(b"boundary")
    if not boundary:
        return []
    reader = _MultipartText()
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        parser.write(body)
        parser.finalize()
    except ValueError:  # python-multipart's FormParserError
        return []
    return reader.texts


class _MultipartText:
    """python-multipart callbacks that keep the text parts, as Starlette's form parser reads
    them (the same parser, so both see the same parts)."""

    def __init__(self) -> None:
        self.texts: list[bytes] = []
        self._header = b""
        self._value = b""
        self._disposition = b""
        self._data = bytearray()
        self._is_file = False

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._disposition, self._data, self._is_file = b"", bytearray(), False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self.texts.extend(options[key] for key in (b"name", b"filename") if key in options)
        self._is_file = b"filename" in options

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file:
            self._data += data[start:end]

    def _end(self) -> None:
        if not self._is_file:
            self.texts.append(bytes(self._data))


async def _send_refusal(scope: Scope, send: Send, where: str, problem: Problem) -> None:
    code, what = problem
    await _send_problem(scope, send, 422, code, f"The request {where} {what}.")


async def _send_problem(scope: Scope, send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + code,
            "title": HTTPStatus(status).phrase,
            "status": status,
            "code": code,
            "detail": detail,
            "instance": scope["path"],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, but a refused preflight is a problem+json like every 4xx."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        headers = {
            key: value
            for key, value in response.headers.items()
            if key.lower() not in ("content-type", "content-length")
        }
        body = {
            "type": PROBLEM_TYPE_BASE + "cors_refused",
            "title": "Bad Request",
            "status": response.status_code,
            "code": "cors_refused",
            "detail": bytes(response.body).decode(),
        }
        return JSONResponse(
            body, status_code=response.status_code, headers=headers, media_type=PROBLEM_CONTENT_TYPE
        )
