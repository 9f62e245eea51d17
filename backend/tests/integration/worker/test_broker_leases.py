"""Redelivery by the broker itself (ADR 0014): a message held by a live worker stays with it, one
held by a SIGKILLed consumer comes back within seconds; the file mailer writes an email once."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from mercato.bootstrap import build_container
from mercato.notifications.providers.file import FileMailer
from mercato.notifications.providers.port import OutgoingEmail
from mercato.platform.config import Settings
from mercato.platform.outbox import OutboxEvent, record_event
from mercato.worker.celery_app import build_celery, queue_name
from tests.conftest import make_settings
from tests.integration.worker import hooks
from tests.integration.worker.conftest import BrokerCase, worker_test_settings
from tests.integration.worker.harness import (
    BACKEND,
    Workers,
    cleanup_redis,
    relay_loop,
    unique_prefix,
    wait_until,
)

pytestmark = pytest.mark.timeout(300)

HOLDER = """
import sys, time
from mercato.platform.config import Settings
from mercato.worker.celery_app import build_celery, queue_name
settings = Settings()
app = build_celery(settings)
with app.connection_for_read() as conn:
    queue = conn.SimpleQueue(queue_name(settings, "mail"))
    message = queue.get(timeout=30)
    print(message.payload, flush=True)  # taken, never acknowledged: now SIGKILL us
    time.sleep(600)
"""


def embedded_settings(tmp_path: Path, **worker: Any) -> Settings:
    return make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path,
        worker={"queue_prefix": "", "embedded_lease_seconds": 1.0, **worker},
    )


def put(settings: Settings, body: str) -> None:
    app = build_celery(settings)
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue(queue_name(settings, "mail"))
        queue.put(body)
        queue.close()
    app.close()


def take(settings: Settings, timeout: float = 0.2) -> Any:
    """Take one message and acknowledge it; None when none is ready."""
    app = build_celery(settings)
    try:
        with app.connection_for_read() as conn:
            queue = conn.SimpleQueue(queue_name(settings, "mail"))
            try:
                message = queue.get(timeout=timeout)
                message.ack()
                return message.payload
            except queue.Empty:
                return None
            finally:
                queue.close()
    finally:
        app.close()


async def test_embedded_message_of_a_killed_consumer_returns_after_its_lease(
    tmp_path: Path,
) -> None:
    settings = embedded_settings(tmp_path)
    put(settings, "hello")
    env = {
        **os.environ,
        "MERCATO_DATA_DIR": str(settings.data_dir),
        "MERCATO_BROKER_URL": settings.effective_broker_url,
        "MERCATO_WORKER__EMBEDDED_LEASE_SECONDS": "1",
        "PYTHONPATH": str(BACKEND),
    }
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "hello"
        os.kill(holder.pid, signal.SIGKILL)  # no ack, no requeue: only the lease can bring it back
        holder.wait()
        payload = await wait_until(
            lambda: take(settings), timeout=30, what="the message back from the dead consumer"
        )
    finally:
        if holder.poll() is None:
            holder.kill()
    assert payload == "hello"
    assert take(settings, timeout=1.5) is None  # the ack deleted it: delivered once more, not twice


async def test_embedded_lease_renewed_by_its_holder_is_not_redelivered(tmp_path: Path) -> None:
    settings = embedded_settings(tmp_path)
    put(settings, "held")
    app = build_celery(settings)
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(queue_name(settings, "mail"))
        message = queue.get(timeout=5)
        channel: Any = queue.consumer.channel
        # the holder renews for three lease lengths: nobody else gets the message meanwhile
        for _ in range(9):
            assert channel.renew_leases() == 1
            assert take(settings, timeout=0.05) is None
            await asyncio.sleep(0.33)
        # a requeue (reject) puts it back at once
        message.requeue()
        assert take(settings, timeout=2) == "held"
        queue.close()
    app.close()


async def test_embedded_holder_frozen_past_its_lease_keeps_its_message(tmp_path: Path) -> None:
    """A lease's end is wall-clock time: after a host freeze the holder's renewal is late by the
    whole freeze. Its own polls must not take its live message again; another consumer's may."""
    settings = embedded_settings(tmp_path)
    put(settings, "frozen")
    app = build_celery(settings)
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(queue_name(settings, "mail"))
        message = queue.get(timeout=5)
        channel: Any = queue.consumer.channel
        table = channel._table
        channel._write(update(table).values(timestamp=datetime(2000, 1, 1)))  # the lease ran out
        with pytest.raises(queue.Empty):
            channel._get(queue_name(settings, "mail"))
        assert take(settings, timeout=2) == "frozen"  # a live consumer that does not hold it
        message.ack()
        queue.close()
    app.close()


def redis_settings(redis_url: str, tmp_path: Path, prefix: str) -> Settings:
    return make_settings(
        "sqlite+aiosqlite://",
        tmp_path,
        broker_url=redis_url,
        worker={"queue_prefix": prefix, "visibility_timeout_seconds": 3},
    )


def test_a_redis_holder_frozen_past_the_timeout_keeps_its_message(
    redis_url: str, tmp_path: Path
) -> None:
    """The delivery time is wall-clock time: after a host freeze the holder's renewal is late by
    the whole freeze. Its own sweep must not hand its live message back; another's sweep must."""
    prefix = unique_prefix()
    settings = redis_settings(redis_url, tmp_path, prefix)
    put(settings, "frozen")
    app = build_celery(settings)
    try:
        with app.connection_for_read() as conn:
            queue = conn.SimpleQueue(queue_name(settings, "mail"))
            message = queue.get(timeout=5)
            channel: Any = queue.consumer.channel
            (tag,) = channel.qos._delivered
            client = channel.client
            frozen_at = time.time() - 60  # the last renewal, a minute of wall clock ago
            client.zadd(channel.unacked_index_key, {tag: frozen_at}, xx=True)

            channel.qos.restore_visible(num=10, interval=1)  # the holder's own sweep
            assert take(settings, timeout=0.5) is None
            (held,) = client.zrange(channel.unacked_index_key, 0, -1, withscores=True)
            assert held[1] > frozen_at  # renewed before the sweep looked

            client.zadd(channel.unacked_index_key, {tag: frozen_at}, xx=True)
            with app.connection_for_read() as other:  # a live worker that does not hold it
                other_queue = other.SimpleQueue(queue_name(settings, "mail"))
                other_queue.consumer.channel.qos.restore_visible(num=10, interval=1)
                other_queue.close()
            assert take(settings, timeout=2) == "frozen"
            message.ack()
            queue.close()
    finally:
        app.close()
        cleanup_redis(redis_url, prefix)


DIES_ON_RECEIPT = """
import os, signal
from mercato.platform.config import Settings
from mercato.worker.celery_app import build_celery, queue_name
settings = Settings()
app = build_celery(settings)
with app.connection_for_read() as conn:
    queue = conn.SimpleQueue(queue_name(settings, "mail"))
    def die(message, queue_name):
        os.kill(os.getpid(), signal.SIGKILL)  # Redis has handed the message over: nothing else ran
    conn.transport._deliver = die
    queue.get(timeout=30)
"""


async def test_a_redis_consumer_killed_as_it_receives_a_message_does_not_take_it_along(
    redis_url: str, tmp_path: Path
) -> None:
    """kombu's BRPOP removed the message from its queue when Redis answered, and the consumer
    recorded it as unacknowledged only after reading the answer: killed in between, it took the
    message with it (the relay's republish brought it back minutes later). The pop now records
    it in the same step, so it comes back after the visibility timeout (ADR 0014)."""
    prefix = unique_prefix()
    settings = redis_settings(redis_url, tmp_path, prefix)
    put(settings, "in flight")
    env = {
        **os.environ,
        "MERCATO_DATA_DIR": str(settings.data_dir),
        "MERCATO_BROKER_URL": redis_url,
        "MERCATO_WORKER__QUEUE_PREFIX": prefix,
        "MERCATO_WORKER__VISIBILITY_TIMEOUT_SECONDS": "3",
        "PYTHONPATH": str(BACKEND),
    }
    try:
        consumer = subprocess.run(
            [sys.executable, "-c", DIES_ON_RECEIPT], env=env, timeout=60, check=False
        )
        assert consumer.returncode == -signal.SIGKILL  # it received the message, and died
        assert take(settings, timeout=0.2) is None  # not in the queue: held by the dead consumer
        payload = await wait_until(
            lambda: take(settings), timeout=30, what="the message back from the dead consumer"
        )
        assert payload == "in flight"
        assert take(settings, timeout=1.5) is None  # delivered once more, not twice
    finally:
        cleanup_redis(redis_url, prefix)


async def test_a_task_longer_than_the_lease_runs_once_on_every_broker(
    db_url: str,
    tmp_path: Path,
    broker: BrokerCase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker renews the lease (embedded) / visibility (Redis) of what it holds."""
    if broker.kind == "amqp" or (broker.kind == "embedded") != db_url.startswith("sqlite"):
        pytest.skip("RabbitMQ has real acknowledgements; production broker/database pairs only")
    monkeypatch.setenv("MERCATO_TEST_HOOK_DIR", str(tmp_path / "hooks"))
    settings = worker_test_settings(
        db_url,
        tmp_path,
        broker,
        outbox_republish_after_seconds=300.0,
        embedded_lease_seconds=1.5,
        visibility_timeout_seconds=3,
    )
    container = build_container(settings)
    workers = Workers(settings, tmp_path)
    try:
        async with relay_loop(container):
            workers.worker(pool="prefork", concurrency=2)
            async with container.db.session() as session:
                event = record_event(session, hooks.SLOW, {"seconds": 9})

            async def processed(event_id: uuid.UUID) -> bool:
                async with container.db.session(write=False) as session:
                    row = await session.get(OutboxEvent, event_id)
                return row is not None and row.processed_at is not None

            await wait_until(functools.partial(processed, event.id), timeout=90, what="slow event")
            await asyncio.sleep(2)  # a wrongful redelivery would start a second run now
    finally:
        workers.stop_all()
        await container.aclose()
    assert len(hooks.runs(f"runs-{event.id}")) == 1, workers.logs()


def email(n: int) -> OutgoingEmail:
    return OutgoingEmail(
        to="a@example.com",
        subject=f"Order {n}",
        text="t",
        html="<p>t</p>",
        message_id=f"<{uuid.UUID(int=n)}.order_cancelled@example.com>",
    )


async def test_file_mailer_writes_an_email_once_however_often_it_is_sent(tmp_path: Path) -> None:
    mailer = FileMailer(tmp_path / "mail", "shop@example.com")
    # the same email sent by two handlers at once and once more afterwards (a redelivery)
    await asyncio.gather(*(mailer.send(email(1)) for _ in range(8)))
    await mailer.send(email(1))
    await mailer.send(email(2))
    files = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert files == [
        f"{uuid.UUID(int=1)}.order_cancelled@example.com.eml",
        f"{uuid.UUID(int=2)}.order_cancelled@example.com.eml",
    ]
    assert b"Subject: Order 1" in (tmp_path / "mail" / files[0]).read_bytes()
