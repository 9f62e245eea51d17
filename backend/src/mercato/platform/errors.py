"""Domain errors and their RFC 9457 problem+json rendering.

Services raise `DomainError` subclasses (never HTTPException) so routers, tasks, webhooks and the
CLI share them. Every error response, including framework ones, is `application/problem+json`
with a stable machine-readable `code`.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from structlog.contextvars import bound_contextvars

log = structlog.get_logger("mercato.errors")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://mercato.dev/problems/"

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class DomainError(Exception):
    """Base for every expected failure. Subclasses set status, code and title."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.extra = extra or {}
        self.headers = headers or {}


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Unauthorized(DomainError):
    status, code, title = 401, "not_authenticated", "Not authenticated"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class ValidationFailed(DomainError):
    status, code, title = 422, "validation_error", "Validation failed"


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition_failed", "Precondition failed"


class PreconditionRequired(DomainError):
    status, code, title = 428, "precondition_required", "Precondition required"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(max(1, int(retry_after)))})
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    status, code, title = 503, "service_unavailable", "Service temporarily unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 2, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(max(1, int(retry_after)))})
        super().__init__(detail, **kwargs)


class DatabaseBusy(DomainError):
    """No pooled connection came free in time, or the database is locked: retry shortly."""

    status, code, title = 503, "database_busy", "Service Unavailable"

    def __init__(self) -> None:
        super().__init__("The database is busy; retry shortly.", headers={"Retry-After": "1"})


class InvalidInput(DomainError):
    """A value the database refused to store (a service should have refused it first)."""

    status, code, title = 422, "invalid_input", HTTPStatus(422).phrase


class InternalError(DomainError):
    status, code, title = 500, "internal_error", HTTPStatus(500).phrase


def domain_error_for(exc: Exception, path: str) -> DomainError:
    """The problem every answer to `exc` carries (the error handlers', a lane's), logged as it is
    logged: a domain error is itself; no free connection or a locked database is 503
    `database_busy`; a value the database refused 422; a constraint's race 409; anything else
    500, logged with its stack."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, PoolTimeout):
        return database_busy(str(exc)[:200])  # no pooled connection came free
    if isinstance(exc, DBAPIError):
        if is_sqlite_busy(exc) or getattr(exc, "connection_invalidated", False):
            return database_busy(str(exc.orig))
        if _sqlstate(exc).startswith("22"):
            # SQLSTATE class 22 "data exception" (NUL byte, out-of-range number, value too long):
            # the input was bad; a service should have rejected it earlier.
            log.warning("database_rejected_input", error=str(exc.orig))
            return InvalidInput("The request contains a value that cannot be stored.")
        if isinstance(exc, IntegrityError):
            # A constraint caught what the service did not (usually a race): a conflict, not a 500.
            log.warning("integrity_conflict", error=str(exc.orig))
            return Conflict("The request conflicts with the current state; retry.")
    if isinstance(exc, OverflowError):  # e.g. an integer too large for SQLite's 64-bit INTEGER
        return InvalidInput("A number in the request is out of range.")
    log.error("unhandled_error", exc_info=exc, path=path)
    return InternalError("An unexpected error occurred. It has been logged.")


def database_busy(cause: str) -> DatabaseBusy:
    """The 503 for `cause` (a pool timeout, a locked database), logged as the handlers log it."""
    log.warning("database_busy", error=cause)
    return DatabaseBusy()


def problem_body(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    title: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    title: str | None = None,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    request_id = request.scope.get("state", {}).get("request_id") if request else None
    if request_id:
        extra.setdefault("request_id", request_id)
    body = problem_body(
        status,
        code,
        detail,
        title=title,
        instance=request.url.path if request else None,
        **extra,
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for err in errors:
        item = {
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        out.append(item)
    # never echo raw input back (could be a password); make sure it is serialisable
    json.dumps(out)
    return out


def is_sqlite_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc).lower()


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None) or "")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.code,
            exc.detail,
            title=exc.title,
            request=request,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            "validation_error",
            "The request is invalid; see `errors`.",
            title="Validation failed",
            request=request,
            errors=_jsonable_errors(exc.errors()),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _CODES_BY_STATUS.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code,
            code,
            detail,
            request=request,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(DBAPIError)
    @app.exception_handler(OverflowError)
    @app.exception_handler(Exception)
    async def _other(request: Request, exc: Exception) -> JSONResponse:
        # An unhandled error reaches this handler outside the request-context middleware, whose
        # bound request id is gone by then: bind it again for the error's log line.
        request_id = request.scope.get("state", {}).get("request_id")
        with bound_contextvars(**({"request_id": request_id} if request_id else {})):
            error = domain_error_for(exc, request.url.path)
        return await _domain(request, error)
