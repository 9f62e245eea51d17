"""In-process domain events: a module announces an outcome, the modules above it react.

A lower module (payments) must not call up into the modules that use it (orders). It publishes an
event instead; handlers run at once, in the publisher's session and transaction, so the outcome and
every reaction commit or roll back together. Subscriptions are wired at the composition root
(`mercato.bootstrap`). An event nobody subscribed to is an error, not a silent no-op: an outcome
that reaches no one would leave money and orders disagreeing.

(Not the outbox: outbox events are delivered later, at least once, by the worker.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")
Handler = Callable[[AsyncSession, E], Awaitable[None]]

_SUBSCRIBERS: dict[type[Any], list[Handler[Any]]] = {}


class Unsubscribed(RuntimeError):
    """An event was published with no handler (the composition root did not wire it)."""


def subscribe(event_type: type[E], handler: Handler[E]) -> None:
    """Run `handler(session, event)` for every `event_type` published (once per handler)."""
    handlers = _SUBSCRIBERS.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


async def publish(session: AsyncSession, event: object) -> None:
    """Run each subscriber of the event's type in order, in `session`'s transaction."""
    handlers = _SUBSCRIBERS.get(type(event))
    if not handlers:
        raise Unsubscribed(f"no handler for {type(event).__name__}; wire it in mercato.bootstrap")
    for handler in handlers:
        await handler(session, event)
