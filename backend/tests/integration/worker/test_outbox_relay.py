"""The relay in-process: publish once, republish when unprocessed, survive a dead broker and a
relay killed between claim and publish, never publish a rolled-back event, race safely."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, update

from mercato.bootstrap import Container, build_container
from mercato.platform.clock import utcnow
from mercato.platform.config import Settings
from mercato.platform.outbox import OutboxEvent, record_event
from mercato.worker.relay import (
    AfterCommitRelay,
    CeleryPublisher,
    OutgoingEvent,
    pending_count,
    relay_once,
)
from tests.conftest import make_settings
from tests.integration.worker.harness import wait_until


class RecordingPublisher:
    """Stands in for the broker where only the relay's bookkeeping is under test."""

    def __init__(self) -> None:
        self.published: list[OutgoingEvent] = []
        self.lock = threading.Lock()

    def publish(self, events: Sequence[OutgoingEvent]) -> dict[uuid.UUID, str]:
        with self.lock:
            self.published.extend(events)
        return {}

    def ids(self) -> list[uuid.UUID]:
        with self.lock:
            return [e.id for e in self.published]


class RelayKilled(BaseException):
    """Like SIGKILL for the relay: nothing after the claim runs."""


class DyingPublisher:
    def publish(self, events: Sequence[OutgoingEvent]) -> dict[uuid.UUID, str]:
        raise RelayKilled


def relay_settings(db_url: str, tmp_path: Path, **worker: object) -> Settings:
    values: dict[str, object] = {
        "outbox_republish_after_seconds": 60,
        "outbox_claim_seconds": 60,
        "publish_timeout_seconds": 1,
    }
    values.update(worker)
    return make_settings(db_url, tmp_path, worker=values)


@pytest.fixture
async def relay_container(db_url: str, tmp_path: Path) -> AsyncIterator[Container]:
    container = build_container(relay_settings(db_url, tmp_path))
    yield container
    await container.aclose()


async def commit_event(container: Container, event_type: str = "OrderPlaced") -> uuid.UUID:
    async with container.db.session() as session:
        event = record_event(session, event_type, {"order_id": "o1", "email": "a@example.com"})
    return event.id


async def get_row(container: Container, event_id: uuid.UUID) -> OutboxEvent:
    async with container.db.session(write=False) as session:
        row = await session.get(OutboxEvent, event_id)
    assert row is not None
    return row


async def make_due(container: Container, event_id: uuid.UUID) -> None:
    """Jump past the current lease/republish timeout (instead of sleeping)."""
    async with container.db.session() as session:
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id == event_id).values(next_attempt_at=utcnow())
        )


async def test_publishes_a_committed_event_once(relay_container: Container) -> None:
    publisher = RecordingPublisher()
    event_id = await commit_event(relay_container)
    assert await relay_once(relay_container, publisher) == 1
    assert await relay_once(relay_container, publisher) == 0  # not yet due for a republish
    assert publisher.ids() == [event_id]
    row = await get_row(relay_container, event_id)
    assert row.published_at is not None
    assert row.publish_attempts == 1
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > utcnow()


async def test_republishes_published_but_unprocessed_events_never_processed_ones(
    relay_container: Container,
) -> None:
    publisher = RecordingPublisher()
    lost = await commit_event(relay_container)
    done = await commit_event(relay_container)
    await relay_once(relay_container, publisher)
    async with relay_container.db.session() as session:  # the handler acknowledged `done` only
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id == done).values(processed_at=utcnow())
        )
    await make_due(relay_container, lost)
    await make_due(relay_container, done)
    republished_before = REGISTRY.get_sample_value("mercato_outbox_republished_total") or 0.0
    assert await relay_once(relay_container, publisher) == 1
    assert REGISTRY.get_sample_value("mercato_outbox_republished_total") == republished_before + 1
    assert publisher.ids().count(lost) == 2
    assert publisher.ids().count(done) == 1
    row = await get_row(relay_container, lost)
    assert row.publish_attempts == 2
    # the republish timeout doubles with each attempt
    first_delay = relay_container.settings.worker.outbox_republish_after_seconds
    assert row.next_attempt_at is not None
    assert row.published_at is not None
    assert (row.next_attempt_at - row.published_at).total_seconds() == pytest.approx(
        2 * first_delay
    )


async def test_rolled_back_transaction_publishes_nothing(relay_container: Container) -> None:
    publisher = RecordingPublisher()

    async def failing_order() -> None:
        async with relay_container.db.session() as session:
            record_event(session, "OrderPlaced", {"order_id": "never"})
            await session.flush()
            raise RuntimeError("the order failed after the event was added")

    with pytest.raises(RuntimeError):
        await failing_order()
    assert await relay_once(relay_container, publisher) == 0
    assert publisher.ids() == []
    assert await pending_count(relay_container) == 0


async def test_broker_outage_only_delays_events(db_url: str, tmp_path: Path) -> None:
    """Relay pointed at a dead broker: rows stay pending; the live broker drains them."""
    dead = build_container(
        relay_settings(db_url, tmp_path, outbox_relay_interval_seconds=0.01)
    ).settings
    dead = dead.model_copy(update={"broker_url": "amqp://guest:guest@127.0.0.1:1//"})
    container = build_container(dead)
    try:
        ids = [await commit_event(container) for _ in range(3)]
        down = CeleryPublisher(dead)
        assert await relay_once(container, down) == 0
        for event_id in ids:
            row = await get_row(container, event_id)
            assert row.published_at is None
            assert row.last_error is not None
            assert "unreachable" in row.last_error
        down.close()
        await asyncio.sleep(0.02)  # the outage backoff (the relay interval) passes
        live = RecordingPublisher()
        assert await relay_once(container, live) == 3
        assert sorted(live.ids()) == sorted(ids)
    finally:
        await container.aclose()


async def test_real_embedded_broker_receives_the_message(relay_container: Container) -> None:
    from kombu import Connection

    from mercato.worker.celery_app import build_celery, queue_name

    event_id = await commit_event(relay_container)
    publisher = CeleryPublisher(relay_container.settings)
    assert await relay_once(relay_container, publisher) == 1
    publisher.close()
    app = build_celery(relay_container.settings)
    with app.connection_for_read() as conn:
        assert isinstance(conn, Connection)
        queue = conn.SimpleQueue(queue_name(relay_container.settings, "mail"))
        message = queue.get(timeout=5)
        assert message.headers["task"] == "mercato.events.handle"
        assert message.payload[0] == [str(event_id), "OrderPlaced"]
        message.ack()
        queue.close()
    app.close()


async def test_relay_killed_between_claim_and_publish_loses_nothing(
    relay_container: Container,
) -> None:
    event_id = await commit_event(relay_container)
    with pytest.raises(RelayKilled):
        await relay_once(relay_container, DyingPublisher())
    row = await get_row(relay_container, event_id)
    assert row.published_at is None  # claimed (leased) but never published
    survivor = RecordingPublisher()
    assert await relay_once(relay_container, survivor) == 0  # the lease still holds
    await make_due(relay_container, event_id)  # the lease runs out
    assert await relay_once(relay_container, survivor) == 1
    assert survivor.ids() == [event_id]


async def test_concurrent_relays_publish_each_event_once(db_url: str, tmp_path: Path) -> None:
    settings = relay_settings(db_url, tmp_path)
    containers = [build_container(settings) for _ in range(4)]
    try:
        ids = [await commit_event(containers[0]) for _ in range(20)]
        publisher = RecordingPublisher()
        await asyncio.gather(*(relay_once(c, publisher) for c in containers))
        published = publisher.ids()
        assert sorted(published) == sorted(ids)  # all of them, none twice
    finally:
        for c in containers:
            await c.aclose()


async def test_after_commit_relay_publishes_without_an_explicit_pass(
    relay_container: Container,
) -> None:
    publisher = RecordingPublisher()
    relay = AfterCommitRelay(relay_container, publisher)
    relay.start()
    try:
        event_id = await commit_event(relay_container)
        await wait_until(lambda: event_id in publisher.ids(), timeout=10, what="fast path")

        # a rolled-back transaction's event is dropped by the hook and never published
        async def failing_order() -> None:
            async with relay_container.db.session() as session:
                record_event(session, "OrderPlaced", {"order_id": "never"})
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            await failing_order()
        other = await commit_event(relay_container)
        await wait_until(lambda: other in publisher.ids(), timeout=10, what="second event")
        assert len(publisher.ids()) == 2
    finally:
        await relay.stop()
    async with relay_container.db.session(write=False) as session:
        rows = list(await session.scalars(select(OutboxEvent)))
    assert {r.id for r in rows} == {event_id, other}


async def test_a_dead_lettered_event_is_counted_and_no_longer_relayed(
    relay_container: Container,
) -> None:
    from mercato.worker.events import mark_dead

    publisher = RecordingPublisher()
    event_id = await commit_event(relay_container)
    before = REGISTRY.get_sample_value("mercato_outbox_dead_lettered_total") or 0.0
    await mark_dead(relay_container, event_id, "handler gave up")
    assert REGISTRY.get_sample_value("mercato_outbox_dead_lettered_total") == before + 1
    assert await relay_once(relay_container, publisher) == 0
    assert (await get_row(relay_container, event_id)).dead_at is not None
