"""`POST /checkout` at the edge (`platform/edge.py`): the buyers a flash sale turns away, answered
in one pass.

In a race for the last units almost every buyer loses, and a loser used to pay the whole stack
(the middleware, FastAPI's routing, dependencies and body validation, the exception handler) for
a 409 decided by one read and the stock gate; that stack was most of what a refused buyer cost
(docs/benchmarks.md). The lane reads what the route would (the cart id from the body validated
by the same model, the `Idempotency-Key`), then runs the same refusal read and stock gate as
`service.place_order` (`service.admit`):

- turned away: the 409 problem the full stack sends, byte for byte but for its request id, with
  the same headers, metrics and access line (the edge adds them);
- admitted: the request goes on to the full stack holding its admission (`ADMISSION_KEY` in
  the scope; the route uses it instead of reading and waiting again), released when it is done;
- anything else goes on to the full stack untouched, which answers it as always: a body that is
  not a valid checkout request, a missing or doubled key, an `Authorization` header that is not
  one valid bearer token, a replayed key, a missing or closed cart, any error but one: no pooled
  connection coming free in time is answered here with the full stack's 503 `database_busy`
  (the stack would only wait as long again for the same answer).

A signed-in buyer's token is verified as the route's dependency does (`TokenService`), and the
access line of its refusal carries the same user hash.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import orjson
from pydantic import ValidationError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import Scope

from mercato.accounts.tokens import TokenService
from mercato.checkout import service
from mercato.checkout.schemas import CheckoutRequest
from mercato.inventory.exceptions import InsufficientStock
from mercato.platform.edge import EdgeAnswer
from mercato.platform.errors import (
    PROBLEM_CONTENT_TYPE,
    DomainError,
    database_busy,
    problem_body,
)
from mercato.platform.metrics import CHECKOUT_STOCKOUTS

if TYPE_CHECKING:
    from mercato.checkout.ports import CheckoutPorts

ADMISSION_KEY = "mercato.checkout.admission"  # the scope's key for a `service.Admission`
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
        request = _plain_request(scope, body)
        if request is None:
            return None
        cart_id, key, bearer = request
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
            return self._problem(database_busy(str(exc)[:200]), request_id, user)
        except Exception:
            return None
        if admission is None:
            return None
        scope[ADMISSION_KEY] = admission
        try:
            await go_on()
        finally:
            self.ports.stock_gate.release(admission.hold)
        return None

    def _problem(self, exc: DomainError, request_id: str, user_hash: str | None) -> EdgeAnswer:
        """What the error handler makes of `exc` (`platform.errors.problem_response`; Starlette
        puts the error's own headers before the length and type)."""
        body = problem_body(
            exc.status,
            exc.code,
            exc.detail,
            title=exc.title,
            instance=self.route,
            **{**exc.extra, "request_id": request_id},
        )
        content = orjson.dumps(body)
        headers = [(name.lower().encode(), value.encode()) for name, value in exc.headers.items()]
        headers += [
            (b"content-length", str(len(content)).encode()),
            (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
        ]
        return EdgeAnswer(exc.status, headers, content, self.route, user_hash)


def _plain_request(scope: Scope, body: bytes) -> tuple[uuid.UUID, str, str | None] | None:
    """The cart id, the Idempotency-Key and the bearer token (None for a guest) of a valid
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
    return request.cart_id, key, bearer
