"""The outbox relay: publishes committed events to the broker, republishes unprocessed ones.

Each pass (1) claims due rows in a short transaction by pushing `next_attempt_at` forward by a
lease, (2) publishes them outside any database transaction, (3) records the outcome. A relay killed
between (1) and (2) only delays the rows until the lease ends. A broker outage leaves the rows
unpublished, retried every pass. A row that was published but not processed within
`outbox_republish_after_seconds` (doubling per attempt) is published again: a broker that lost the
message (a killed worker on the embedded broker) loses no event; handlers de-duplicate.

Runs in its own loop inside `mercato scheduler` (`RelayLoop`, every `outbox_relay_interval_seconds`,
backing off exponentially while the broker is down) so it keeps running when no worker does, and,
in the API, right after each commit that recorded events (`AfterCommitRelay`), so the fast path
has no wait. A broker outage is logged once when it starts and once when it ends.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import structlog
from celery import Celery
from sqlalchemy import event as sa_event
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from mercato.platform.clock import as_utc, utcnow
from mercato.platform.config import Settings
from mercato.platform.metrics import OUTBOX_OLDEST_AGE
from mercato.platform.outbox import OutboxEvent
from mercato.platform.ports import PlatformPorts
from mercato.worker.celery_app import backoff_seconds, build_celery, queue_name
from mercato.worker.events import queue_for
from mercato.worker.metrics import (
    OUTBOX_PENDING,
    OUTBOX_PUBLISHED,
    OUTBOX_RELAY_LAG,
    OUTBOX_REPUBLISHED,
)

log = structlog.get_logger("mercato.worker.relay")

HANDLE_EVENT_TASK = "mercato.events.handle"
MAX_REPUBLISH_DOUBLINGS = 8


@dataclass(frozen=True)
class OutgoingEvent:
    id: uuid.UUID
    type: str
    attempt: int


class Publisher(Protocol):
    """Publishes event messages; returns an error string per event that could not be sent."""

    def publish(self, events: Sequence[OutgoingEvent]) -> dict[uuid.UUID, str]: ...


class Outage:
    """Logs an outage once when it starts and once when it ends (not every pass)."""

    def __init__(self, what: str = "broker") -> None:
        self.what = what
        self.down_since: float | None = None
        self.failures = 0

    def failed(self, error: str) -> None:
        self.failures += 1
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning(f"{self.what}_unreachable", error=error)

    def ok(self) -> None:
        if self.down_since is not None:
            down = round(time.monotonic() - self.down_since, 1)
            log.warning(f"{self.what}_back", down_seconds=down)
        self.down_since = None
        self.failures = 0


class CeleryPublisher:
    def __init__(self, settings: Settings, app: Celery | None = None) -> None:
        self._settings = settings
        self._app = app or build_celery(settings)
        self._lock = threading.Lock()
        self.health = Outage("broker")

    def publish(self, events: Sequence[OutgoingEvent]) -> dict[uuid.UUID, str]:
        failed: dict[uuid.UUID, str] = {}
        timeout = int(max(1, self._settings.worker.publish_timeout_seconds))
        # a fresh connection per pass: after a broker outage nothing stale is reused
        with self._lock, self._app.connection_for_write() as conn:
            try:
                conn.ensure_connection(max_retries=1, timeout=timeout)
            except Exception as exc:
                self.health.failed(str(exc))
                return {e.id: f"broker unreachable: {exc}" for e in events}
            self.health.ok()
            for item in events:
                try:
                    self._app.send_task(
                        HANDLE_EVENT_TASK,
                        args=[str(item.id), item.type],
                        queue=queue_name(self._settings, queue_for(item.type)),
                        connection=conn,
                        retry=False,
                        headers={"event_attempt": item.attempt},
                    )
                except Exception as exc:
                    failed[item.id] = f"publish failed: {exc}"
        return failed

    def probe(self) -> None:
        """Connect and disconnect: tells `health` whether the broker is back."""
        timeout = int(max(1, self._settings.worker.publish_timeout_seconds))
        with self._lock, self._app.connection_for_write() as conn:
            try:
                conn.ensure_connection(max_retries=1, timeout=timeout)
            except Exception as exc:
                self.health.failed(str(exc))
                return
            self.health.ok()

    def close(self) -> None:
        self._app.close()


def republish_delay(settings: Settings, attempts: int) -> timedelta:
    doublings = min(max(attempts - 1, 0), MAX_REPUBLISH_DOUBLINGS)
    return timedelta(seconds=settings.worker.outbox_republish_after_seconds * (2**doublings))


async def relay_once(
    container: PlatformPorts,
    publisher: Publisher,
    *,
    only: Iterable[uuid.UUID] | None = None,
    relay_name: str = "loop",
) -> int:
    """One relay pass. Returns how many events were published."""
    settings = container.settings
    now = utcnow()
    lease = timedelta(seconds=settings.worker.outbox_claim_seconds)
    async with container.db.session() as session:
        query = (
            select(OutboxEvent)
            .where(
                OutboxEvent.processed_at.is_(None),
                OutboxEvent.dead_at.is_(None),
                or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
            )
            .order_by(OutboxEvent.created_at)
            .limit(settings.worker.outbox_batch_size)
        )
        if only is not None:
            query = query.where(OutboxEvent.id.in_(list(only)))
        if container.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(await session.scalars(query))
        for row in rows:
            row.next_attempt_at = now + lease
        claimed = [OutgoingEvent(r.id, r.event_type, r.publish_attempts + 1) for r in rows]
        first_created = {r.id: r.created_at for r in rows if r.publish_attempts == 0}
    if not claimed:
        return 0
    failed = await asyncio.to_thread(publisher.publish, claimed)
    done = utcnow()
    async with container.db.session() as session:
        for item in claimed:
            error = failed.get(item.id)
            if error is None:
                values: dict[str, Any] = {
                    "published_at": done,
                    "publish_attempts": item.attempt,
                    "next_attempt_at": done + republish_delay(settings, item.attempt),
                    "last_error": None,
                }
            else:
                retry_in = timedelta(seconds=settings.worker.outbox_relay_interval_seconds)
                values = {"last_error": error[:2000], "next_attempt_at": done + retry_in}
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == item.id, OutboxEvent.processed_at.is_(None))
                .values(**values)
            )
    published = len(claimed) - len(failed)
    OUTBOX_PUBLISHED.inc(published)
    lag = OUTBOX_RELAY_LAG.labels(relay_name)
    for event_id, created in first_created.items():
        if event_id not in failed:
            lag.observe(max((done - as_utc(created)).total_seconds(), 0.0))
    republished = sum(1 for item in claimed if item.attempt > 1 and item.id not in failed)
    if republished:
        OUTBOX_REPUBLISHED.inc(republished)
        log.info("outbox_republished", count=republished)
    unexpected = {k: v for k, v in failed.items() if not v.startswith("broker unreachable")}
    if unexpected:  # an unreachable broker is logged once by the publisher's Outage
        log.warning(
            "outbox_publish_failed", count=len(unexpected), error=next(iter(unexpected.values()))
        )
    if published:  # every second under load: DEBUG (the counters tell the rate)
        log.debug("outbox_published", count=published)
    return published


async def refresh_outbox_gauges(container: PlatformPorts) -> None:
    """The backlog gauges: events not yet processed, and the age of the oldest of them."""
    async with container.db.session(write=False) as session:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(OutboxEvent.created_at)).where(
                    OutboxEvent.processed_at.is_(None), OutboxEvent.dead_at.is_(None)
                )
            )
        ).one()
    OUTBOX_PENDING.set(int(count or 0))
    age = (utcnow() - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
    OUTBOX_OLDEST_AGE.set(max(age, 0.0))


async def pending_count(container: PlatformPorts) -> int:
    async with container.db.session(write=False) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.processed_at.is_(None), OutboxEvent.dead_at.is_(None))
        )
    return int(count or 0)


# --------------------------------------------------------------------------- after-commit kick

_KICKERS: weakref.WeakKeyDictionary[Any, AfterCommitRelay] = weakref.WeakKeyDictionary()


def _after_commit(session: Session) -> None:
    ids = session.info.pop("outbox_after_commit", None)
    if not ids or not _KICKERS:
        return
    try:  # a commit hook must never fail the commit; the beat relay is the safety net
        bind = session.get_bind()
        kicker = _KICKERS.get(getattr(bind, "engine", bind))
        if kicker is not None:
            kicker.kick(ids)
    except Exception as exc:
        log.warning("after_commit_kick_failed", error=str(exc))


def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_after_commit", None)


sa_event.listen(Session, "after_commit", _after_commit)
sa_event.listen(Session, "after_soft_rollback", lambda session, _tx: _after_rollback(session))


class AfterCommitRelay:
    """Publishes events right after the transaction that recorded them commits.

    The SQLAlchemy after_commit hook only queues the ids (it never waits on the broker); a
    background asyncio task on the API's loop publishes them (broker I/O in a thread). It also
    refreshes the outbox-pending gauge every relay interval.
    """

    def __init__(self, container: PlatformPorts, publisher: Publisher | None = None) -> None:
        self._container = container
        self._publisher = publisher or CeleryPublisher(container.settings)
        self._queue: asyncio.Queue[list[uuid.UUID]] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for engine in {self._container.db.engine, self._container.db.write_engine}:
            _KICKERS[engine.sync_engine] = self
        self._task = asyncio.create_task(self._run(), name="outbox-after-commit-relay")

    async def stop(self) -> None:
        for engine in {self._container.db.engine, self._container.db.write_engine}:
            _KICKERS.pop(engine.sync_engine, None)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        close = getattr(self._publisher, "close", None)
        if close is not None:
            await asyncio.to_thread(close)

    def kick(self, ids: list[uuid.UUID]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._queue.put_nowait, list(ids))

    async def _run(self) -> None:
        interval = self._container.settings.worker.outbox_relay_interval_seconds
        while True:
            try:
                ids = await asyncio.wait_for(self._queue.get(), timeout=max(interval, 5.0))
            except TimeoutError:
                ids = []
            while not self._queue.empty():
                ids.extend(self._queue.get_nowait())
            try:
                if ids:
                    await relay_once(self._container, self._publisher, only=ids, relay_name="api")
                await refresh_outbox_gauges(self._container)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the beat relay will pick the rows up
                log.warning("after_commit_relay_failed", error=str(exc))


# --------------------------------------------------------------------------- the scheduler's loop


class ClosablePorts(PlatformPorts, Protocol):
    async def aclose(self) -> None: ...


class RelayLoop:
    """The relay as a loop of its own (run by `mercato scheduler` in a thread).

    Independent of every worker: it keeps publishing and republishing while workers are dead.
    While the broker is unreachable it waits longer after each failed pass (exponential, jittered,
    capped at `outbox_relay_max_backoff_seconds`), and logs the outage once.
    """

    def __init__(
        self, settings: Settings, open_container: Callable[[Settings], ClosablePorts]
    ) -> None:
        self._settings = settings
        self._open_container = open_container  # the composition root's, from the entry point
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _main(self) -> None:
        async def run() -> None:
            container = self._open_container(self._settings)
            publisher = CeleryPublisher(self._settings)
            try:
                await self.run(container, publisher)
            finally:
                publisher.close()
                await container.aclose()

        asyncio.run(run())

    async def run(self, container: PlatformPorts, publisher: CeleryPublisher) -> None:
        worker = self._settings.worker
        database = Outage("database")
        log.info("outbox_relay_started", interval=worker.outbox_relay_interval_seconds)
        while not self._stop.is_set():
            wait = worker.outbox_relay_interval_seconds
            try:
                published = await relay_once(container, publisher)
                await refresh_outbox_gauges(container)
                database.ok()
            except Exception as exc:
                database.failed(repr(exc))
                published = 0
            if publisher.health.down_since is not None and not published:
                await asyncio.to_thread(publisher.probe)  # nothing was due: is it back?
            failures = max(publisher.health.failures, database.failures)
            if failures:
                wait = backoff_seconds(
                    failures,
                    base=worker.outbox_relay_interval_seconds,
                    cap=worker.outbox_relay_max_backoff_seconds,
                )
            self.passes += 1
            await asyncio.to_thread(self._stop.wait, wait)
