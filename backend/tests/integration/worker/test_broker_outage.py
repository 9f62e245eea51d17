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
from mercato.platform.config import Settings
from mercato.platform.outbox import OutboxEvent, record_event
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


async def test_worker_and_scheduler_log_a_redis_outage_once_and_recover(
    db_url: str,
    tmp_path: Path,
    own_redis: tuple[int, list[subprocess.Popen[bytes]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real `mercato worker` and `mercato scheduler` on a private Redis that stops for a while:
    one warning when it goes, one when it is back (no error per retry), then an event committed
    afterwards is relayed by the scheduler and handled by the worker."""
    if not db_url.startswith("sqlite"):
        pytest.skip("one database is enough for the logging behaviour")
    from tests.integration.worker import hooks
    from tests.integration.worker.harness import Workers

    monkeypatch.setenv("MERCATO_TEST_HOOK_DIR", str(tmp_path / "hooks"))
    port, servers = own_redis
    case = BrokerCase("redis", f"redis://127.0.0.1:{port}/0", "t-")
    settings = worker_test_settings(db_url, tmp_path, case, outbox_relay_max_backoff_seconds=4.0)
    container = build_container(settings)
    workers = Workers(settings, tmp_path)
    start_redis(port, servers, tmp_path)
    try:
        worker = await workers.worker().ready()
        scheduler = workers.scheduler()
        await wait_until(lambda: '"outbox_relay_started"' in scheduler.log(), what="relay")
        servers[-1].terminate()
        servers[-1].wait(timeout=10)
        async with container.db.session() as session:
            during = record_event(session, hooks.SLOW, {"seconds": 0})
        await wait_until(
            lambda: (
                '"broker_unreachable"' in worker.log() and '"broker_unreachable"' in scheduler.log()
            ),
            timeout=60,
            what="the outage noticed",
        )
        await asyncio.sleep(8)  # several retries with growing waits
        start_redis(port, servers, tmp_path)
        await wait_until(
            lambda: '"broker_back"' in worker.log() and '"broker_back"' in scheduler.log(),
            timeout=60,
            what="the broker back",
        )
        await wait_until(
            lambda: hooks.runs(f"runs-{during.id}"), timeout=60, what="the event handled"
        )
    except AssertionError:
        raise AssertionError(workers.logs()) from None
    finally:
        workers.stop_all()
        await container.aclose()
    for proc in (worker, scheduler):
        log = proc.log()
        assert log.count('"broker_unreachable"') == 1, log[-4000:]
        assert log.count('"broker_back"') == 1, log[-4000:]
    assert "Traceback" not in scheduler.log()
