"""The in-process domain-event dispatcher: handlers run in order, once each, and an event nobody
subscribed to is refused rather than dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mercato.platform import domain_events


@dataclass(frozen=True)
class _Happened:
    n: int


@dataclass(frozen=True)
class _NobodyListens:
    pass


async def test_handlers_run_in_subscription_order_once_each() -> None:
    seen: list[tuple[str, Any, int]] = []
    session: Any = object()

    async def first(s: Any, event: _Happened) -> None:
        seen.append(("first", s, event.n))

    async def second(s: Any, event: _Happened) -> None:
        seen.append(("second", s, event.n))

    domain_events.subscribe(_Happened, first)
    domain_events.subscribe(_Happened, second)
    domain_events.subscribe(_Happened, first)  # wiring twice does not run it twice
    await domain_events.publish(session, _Happened(7))
    assert seen == [("first", session, 7), ("second", session, 7)]


async def test_an_event_without_subscribers_is_refused() -> None:
    with pytest.raises(domain_events.Unsubscribed, match="_NobodyListens"):
        await domain_events.publish(object(), _NobodyListens())


async def test_a_failing_handler_stops_the_publisher() -> None:
    """The publisher's transaction must not commit an outcome its subscribers could not apply."""

    @dataclass(frozen=True)
    class _Fails:
        pass

    async def boom(s: Any, event: _Fails) -> None:
        raise RuntimeError("order could not apply it")

    domain_events.subscribe(_Fails, boom)
    with pytest.raises(RuntimeError, match="could not apply"):
        await domain_events.publish(object(), _Fails())


def test_the_composition_root_wires_payment_outcomes_to_orders() -> None:
    from mercato import bootstrap  # noqa: F401  (importing it wires the subscriptions)
    from mercato.orders import service as orders
    from mercato.payments.events import PaymentFailed, PaymentRefunded, PaymentSucceeded

    subscribers = domain_events._SUBSCRIBERS
    assert subscribers[PaymentSucceeded] == [orders.on_payment_succeeded]
    assert subscribers[PaymentRefunded] == [orders.on_payment_refunded]
    assert subscribers[PaymentFailed] == [orders.on_payment_failed]
