"""A broker outage only delays events, on every broker: rows stay pending while it is down and
all of them reach the real queue once it is back (nothing for rolled-back transactions)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from mercato.bootstrap import Container, build_container
from mercato.config import Settings
from mercato.shared.outbox import OutboxEvent, record_event
from mercato.worker.celery_app import build_celery, queue_name
from mercato.worker.relay import CeleryPublisher, relay_once
from tests.fakes.smtp import free_port
from tests.integration.worker.conftest import BrokerCase, worker_test_settings
from tests.integration.worker.harness import wait_until

DEAD = {
    "embedded": "sqla+sqlite:////proc/mercato-no-such-dir/broker.db",
    "amqp": "amqp://guest:guest@127.0.0.1:1//",
    "redis": "redis://127.0.0.1:1/0",
}


def queued_event_ids(settings: Settings, queue: str = "mail") -> list[str]:
    """Drain the real queue and return the event id of every message in it."""
    app = build_celery(settings)
    ids: list[str] = []
    try:
        with app.connection_for_read() as conn:
            simple = conn.SimpleQueue(queue_name(settings, queue))
            while True:
                try:
                    message = simple.get(timeout=1)
                except simple.Empty:
                    break
                ids.append(message.payload[0][0])
                message.ack()
            simple.close()
    finally:
        app.close()
    return ids


async def commit(container: Container, *, rollback: bool = False) -> uuid.UUID:
    class Abort(Exception):
        pass

    event_id = uuid.uuid4()
    try:
        async with container.db.session() as session:
            event = record_event(session, "OrderCancelled", {"order_number": "X", "email": "a@b.c"})
            event_id = event.id
            if rollback:
                raise Abort
    except Abort:
        pass
    return event_id


async def row(container: Container, event_id: uuid.UUID) -> OutboxEvent | None:
    async with container.db.session(write=False) as session:
        return await session.get(OutboxEvent, event_id)


async def test_outage_delays_events_on_every_broker(
    db_url: str, tmp_path: Path, broker: BrokerCase
) -> None:
    settings = worker_test_settings(db_url, tmp_path, broker, outbox_relay_interval_seconds=0.05)
    container = build_container(settings)
    try:
        down = CeleryPublisher(settings.model_copy(update={"broker_url": DEAD[broker.kind]}))
        committed = [await commit(container) for _ in range(3)]
        rolled_back = await commit(container, rollback=True)
        assert await relay_once(container, down) == 0
        for event_id in committed:
            pending = await row(container, event_id)
            assert pending is not None
            assert pending.published_at is None
            assert pending.last_error
        assert await row(container, rolled_back) is None
        down.close()
        await asyncio.sleep(0.1)  # the relay's retry backoff (its interval)
        up = CeleryPublisher(settings)
        assert await relay_once(container, up) == 3
        up.close()
        assert sorted(queued_event_ids(settings)) == sorted(str(e) for e in committed)
    finally:
        await container.aclose()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """A private redis-server we may stop and start (the shared one must never be touched)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    servers: list[subprocess.Popen[bytes]] = []
    yield port, servers
    for server in servers:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)


def start_redis(port: int, servers: list[subprocess.Popen[bytes]], directory: Path) -> None:
    servers.append(
        subprocess.Popen(
            [
                str(shutil.which("redis-server")),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )


@pytest.fixture
async def redis_container(
    db_url: str, tmp_path: Path, own_redis: tuple[int, list[subprocess.Popen[bytes]]]
) -> AsyncIterator[Container]:
    port, _ = own_redis
    case = BrokerCase("redis", f"redis://127.0.0.1:{port}/0", "t-")
    settings = worker_test_settings(
        db_url,
        tmp_path,
        case,
        outbox_relay_interval_seconds=0.05,
        outbox_republish_after_seconds=0.5,
    )
    container = build_container(settings)
    yield container
    await container.aclose()


async def test_redis_stopped_and_restarted_loses_no_event(
    redis_container: Container, own_redis: tuple[int, list[subprocess.Popen[bytes]]], tmp_path: Path
) -> None:
    port, servers = own_redis
    settings = redis_container.settings
    start_redis(port, servers, tmp_path)
    publisher = CeleryPublisher(settings)
    before = await commit(redis_container)
    await wait_until(lambda: relay_once(redis_container, publisher), timeout=30, what="redis up")
    servers[-1].terminate()  # the broker goes away with the message (no persistence)
    servers[-1].wait(timeout=10)
    during = [await commit(redis_container) for _ in range(2)]
    assert await relay_once(redis_container, publisher) == 0
    start_redis(port, servers, tmp_path)  # back, empty
    seen: set[str] = set()

    async def all_queued() -> bool:
        await relay_once(redis_container, publisher)
        seen.update(queued_event_ids(settings))
        return seen == {str(before), *map(str, during)}

    # `during` drain on the first pass; `before` is republished once its timeout passes
    await wait_until(all_queued, timeout=30, what=f"every event queued, saw {seen}")
    publisher.close()
