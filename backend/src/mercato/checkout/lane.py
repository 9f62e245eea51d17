"""`POST /checkout` at the edge (`platform/edge.py`): a plain checkout request answered in one
pass, without the middleware stack and FastAPI's routing.

A checkout used to pay the whole stack (the middleware, FastAPI's routing, dependencies and body
validation, the exception handler) on top of its own work: for a buyer a flash sale turns away,
most of what it cost; for a placed order about a sixth of the API's CPU (docs/benchmarks.md). The
lane reads what the route would (the body, validated by the same model; the `Idempotency-Key`;
the bearer token, verified as the route's dependency does with `TokenService`), then:

- runs the same refusal read and stock gate as `service.place_order` (`service.admit`); a buyer
  turned away gets the 409 problem the full stack sends;
- places an admitted buyer's order with `service.place_order`, holding its admission, and
  answers 201 with the route's bytes and headers, or the problem the error handlers would make
  of any failure (`errors.domain_error_for`);
- leaves anything else to the full stack untouched, which answers it as always: a body that is
  not a valid checkout request, a missing or doubled key, an `Authorization` header that is not
  one valid bearer token, a replayed key, a missing or closed cart. One error of the refusal
  read is answered here: no pooled connection coming free in time, the full stack's 503
  `database_busy` (the stack would only wait as long again for the same answer).

Every answer carries the full stack's headers, metrics and access line (the edge adds them, with
the signed-in buyer's user hash).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import orjson
import sentry_sdk
from pydantic import ValidationError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import Scope
from structlog.contextvars import bound_contextvars

from mercato.accounts.tokens import TokenService
from mercato.checkout import service
from mercato.checkout.schemas import CheckoutRequest
from mercato.inventory.exceptions import InsufficientStock
from mercato.platform.edge import EdgeAnswer, problem_answer
from mercato.platform.errors import (
    DomainError,
    InternalError,
    domain_error_for,
)
from mercato.platform.metrics import CHECKOUT_STOCKOUTS

if TYPE_CHECKING:
    from mercato.checkout.ports import CheckoutPorts

_JSON = b"application/json"


class CheckoutLane:
    """An `EdgeLane` for `route` (the API's `/checkout`)."""

    def __init__(
        self,
        ports: CheckoutPorts,
        route: str,
        tokens: TokenService,
        user_hash: Callable[[str], str],
    ) -> None:
        self.ports = ports
        self.route = route
        self.tokens = tokens
        self.user_hash = user_hash

    async def __call__(
        self,
        scope: Scope,
        body: bytes,
        request_id: str,
        go_on: Callable[[], Awaitable[None]],
    ) -> EdgeAnswer | None:
        plain = _plain_request(scope, body)
        if plain is None:
            return None
        request, key, bearer = plain
        cart_id = request.cart_id
        user_id = None
        if bearer is not None:
            try:
                user_id = self.tokens.verify_access_token(bearer).user_id
            except Exception:  # the route's dependency answers it (401)
                return None
        user = self.user_hash(str(user_id)) if user_id is not None else None
        try:
            admission = await service.admit(self.ports, cart_id=cart_id, user_id=user_id, key=key)
        except InsufficientStock as exc:
            CHECKOUT_STOCKOUTS.labels(exc.code).inc()
            return self._problem(exc, request_id, user)
        except PoolTimeout as exc:
            with bound_contextvars(request_id=request_id):  # its log line, as the stack's
                return self._problem(domain_error_for(exc, self.route), request_id, user)
        except Exception:
            return None
        if admission is None:
            return None
        with bound_contextvars(request_id=request_id):  # what placing it logs carries it
            return await self._place(request, key, user_id, user, admission, request_id)

    async def _place(
        self,
        request: CheckoutRequest,
        key: str,
        user_id: uuid.UUID | None,
        user: str | None,
        admission: service.Admission,
        request_id: str,
    ) -> EdgeAnswer:
        """The admitted buyer's order, answered as the route answers it."""
        try:
            result = await service.place_order(
                self.ports,
                cart_id=request.cart_id,
                user_id=user_id,
                idempotency_key=key,
                body=request.model_dump(mode="json"),
                admission=admission,
            )
        except Exception as exc:
            error = domain_error_for(exc, self.route)
            if isinstance(error, InternalError) and sentry_sdk.is_initialized():
                sentry_sdk.capture_exception(exc)  # as the full stack's integration would
            return self._problem(error, request_id, user)
        finally:
            self.ports.stock_gate.release(admission.hold)
        # The route's JSONResponse: the same bytes, the same headers in the same order.
        content = json.dumps(
            result.body, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode()
        headers = [(b"idempotent-replayed", b"true")] if result.replayed else []
        headers += [(b"content-length", str(len(content)).encode()), (b"content-type", _JSON)]
        return EdgeAnswer(result.status, headers, content, self.route, user)

    def _problem(self, exc: DomainError, request_id: str, user_hash: str | None) -> EdgeAnswer:
        return problem_answer(
            exc, self.route, instance=self.route, request_id=request_id, user_hash=user_hash
        )


def _plain_request(scope: Scope, body: bytes) -> tuple[CheckoutRequest, str, str | None] | None:
    """The request, the Idempotency-Key and the bearer token (None for a guest) of a valid
    checkout request; None for any other request (the full stack answers it)."""
    key = authorization = content_type = None
    for name, value in scope["headers"]:
        if name == b"idempotency-key":
            if key is not None:
                return None  # doubled: the route refuses it
            key = value.decode("latin-1")
        elif name == b"content-type":
            if content_type is not None:
                return None  # doubled: the stack reads the first, a proxy may read the last
            content_type = value
        elif name == b"authorization":
            if authorization is not None:
                return None
            authorization = value.decode("latin-1")
    if key is None or content_type is None:
        return None
    if content_type.split(b";", 1)[0].strip().lower() != _JSON:
        return None
    bearer = None
    if authorization is not None:  # as the route's OAuth2PasswordBearer reads it
        scheme, _, bearer = authorization.partition(" ")
        if scheme.lower() != "bearer" or not bearer:
            return None
    try:
        key = service.validate_idempotency_key(key)
        data = orjson.loads(body)
        if not isinstance(data, dict):
            return None
        request = CheckoutRequest.model_validate(data)  # python mode, as FastAPI validates
    except (DomainError, orjson.JSONDecodeError, ValidationError):
        return None
    return request, key, bearer
