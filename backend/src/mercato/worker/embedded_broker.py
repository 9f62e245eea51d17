"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, tuned for several processes.

Differences from the stock `sqla+sqlite://` transport (ADRs 0011, 0014):
- WAL journal and a long busy timeout, so the API, the worker and beat can share the file;
- **leases instead of delete-on-fetch**: a fetched row stays, invisible until its lease ends
  (`timestamp` holds the lease's end). The consuming process renews the leases of the messages it
  holds every third of `embedded_lease_seconds`; an ack deletes the row, a requeue makes it
  visible again. A SIGKILLed worker's messages come back when their lease runs out (seconds);
- **event-loop capable**: the worker polls from Celery's event loop (a timer) instead of the
  blocking `synloop`, so the prefork pool is Celery's AsynPool (one pipe per child) and a child
  killed at any moment cannot hold a lock the others need;
- `polling_interval` is honoured instead of being passed on to `create_engine()`.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from json import loads
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.transport import sqlalchemy as sqla
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, delete, event, or_, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError

BUSY_TIMEOUT_SECONDS = 30
DEFAULT_LEASE_SECONDS = 10.0


def _now() -> datetime:
    return datetime.now()  # naive local time, like kombu's own `timestamp` column


def sqlite_path(url: str) -> str:
    """`sqla+sqlite:///var/broker.db` or `sqlite:///var/broker.db` -> `sqlite:///var/broker.db`."""
    return url.split("+", 1)[1] if url.startswith("sqla+") else url


def is_embedded(url: str) -> bool:
    return sqlite_path(url).startswith("sqlite:")


class Channel(sqla.Channel):
    def _engine_from_config(self) -> Engine:
        url = str(self.connection.client.hostname)  # type: ignore[union-attr]
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        # Several processes may open a fresh broker file at once: the loser of a CREATE TABLE race
        # retries and then sees the tables (kombu's own create_all below is then a no-op).
        for attempt in range(5):
            try:
                sqla.metadata.create_all(engine)  # type: ignore[attr-defined]
                break
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.1 * (attempt + 1))
        return engine

    def close(self) -> None:
        """Give the channel's database connection back to the pool (kombu keeps the session open:
        short-lived channels, e.g. one per metrics scrape, would exhaust the pool)."""
        super().close()  # may still write (requeues unacked messages)
        session = self._session
        if session is not None:
            self._session = None
            session.close()

    def _get_or_create(self, queue: str) -> Any:
        """kombu's version fails for good when another process inserts the same queue first."""
        try:
            return super()._get_or_create(queue)  # type: ignore[misc]
        except IntegrityError:
            self.session.rollback()
            return super()._get_or_create(queue)  # type: ignore[misc]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._leased: dict[str, int] = {}  # delivery tag -> message row id, held by this channel
        options: dict[str, Any] = self.connection.client.transport_options or {}  # type: ignore[union-attr]
        self.lease_seconds = float(options.get("lease_seconds", DEFAULT_LEASE_SECONDS))

    @property
    def _transport(self) -> Any:
        return self.connection  # a virtual channel's `connection` is its Transport

    @property
    def _table(self) -> Any:
        return self.message_cls.__table__

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """Lease the oldest visible (or lease-expired) message of the queue."""
        obj = self._get_or_create(queue)
        session = self.session
        table = self._table
        now = _now()
        # after a host freeze the wall clock has run past the leases of what we hold, and the
        # renewal has not run yet: never take back a message we are still working on
        held = self._held_rows()
        try:
            session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
            row = session.execute(
                select(table.c.id, table.c.payload)
                .where(table.c.queue_id == obj.id)
                .where(or_(table.c.visible != False, table.c.timestamp < now))  # noqa: E712
                .where(table.c.id.not_in(held))
                .order_by(table.c.id)
                .limit(1)
            ).first()
            if row is not None:
                session.execute(
                    update(table)
                    .where(table.c.id == row.id)
                    .values(visible=False, timestamp=now + timedelta(seconds=self.lease_seconds))
                )
            session.commit()
        except BaseException:
            session.rollback()  # e.g. still locked after the busy timeout: the next poll retries
            raise
        if row is None:
            raise Empty()
        payload = loads(bytes_to_str(row.payload))
        tag = payload.get("properties", {}).get("delivery_tag")
        if tag is not None:
            self._leased[str(tag)] = int(row.id)
        return payload

    def _write(self, statement: Any) -> None:
        try:
            self.session.execute(statement)
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise

    def basic_ack(self, delivery_tag: Any, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple=multiple)
        row_id = self._leased.pop(str(delivery_tag), None)
        if row_id is not None:
            self._write(delete(self._table).where(self._table.c.id == row_id))
        self._transport.poll_soon()  # a prefetch slot is free

    def basic_reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue=requeue)  # requeue goes through _restore
        row_id = self._leased.pop(str(delivery_tag), None)
        if row_id is not None and not requeue:
            self._write(delete(self._table).where(self._table.c.id == row_id))
        self._transport.poll_soon()

    def _restore(self, message: Any) -> None:
        """Requeue (a reject, a warm shutdown): the leased row becomes visible again, in place."""
        row_id = self._leased.pop(str(message.delivery_tag), None)
        if row_id is None:
            super()._restore(message)
            return
        self._write(
            update(self._table)
            .where(self._table.c.id == row_id)
            .values(visible=True, timestamp=_now())
        )

    def _held_rows(self) -> list[int]:
        """The rows of the messages this channel holds (received, not yet acked)."""
        delivered: Any = self.qos._delivered or {}
        for tag in [t for t in self._leased if t not in delivered]:
            self._leased.pop(tag, None)  # acked or rejected some other way
        return list(self._leased.values())

    def renew_leases(self) -> int:
        """Extend the lease of every message this channel holds (received, not yet acked)."""
        held = self._held_rows()
        if not held:
            return 0
        until = _now() + timedelta(seconds=self.lease_seconds)
        self._write(
            update(self._table)
            .where(self._table.c.id.in_(held), self._table.c.visible == False)  # noqa: E712
            .values(timestamp=until)
        )
        return len(held)


class Transport(sqla.Transport):
    Channel = Channel
    driver_name = "sqlalchemy-sqlite"
    # Celery runs its event loop (and so the AsynPool) only for asynchronous transports
    implements = sqla.Transport.implements.extend(asynchronous=True)

    _loop: Any = None
    _loop_connection: Any = None
    _timers: tuple[Any, ...] = ()

    def register_with_event_loop(self, connection: Any, loop: Any) -> None:
        """Poll the queues and renew the leases from the worker's event loop (timers)."""
        for timer in self._timers:  # registered again after a reconnect
            timer.cancel()
        self._loop, self._loop_connection = loop, connection
        options: dict[str, Any] = self.client.transport_options or {}  # type: ignore[union-attr]
        lease = float(options.get("lease_seconds", DEFAULT_LEASE_SECONDS))
        self._timers = (
            loop.call_repeatedly(self.polling_interval, self._poll_once, connection),
            loop.call_repeatedly(max(lease / 3, 0.1), self._renew_leases),
        )

    def poll_soon(self) -> None:
        """A message was acked or rejected: fetch the next one now, not at the next tick."""
        if self._loop is not None:
            self._loop.call_soon(self._poll_once, self._loop_connection)

    def _poll_once(self, connection: Any) -> None:
        # deliver whatever is ready without blocking; prefetch limits stop the cycle (Empty)
        for _ in range(100):
            try:
                self.drain_events(connection, timeout=0)
            except (TimeoutError, Empty):
                return

    def _renew_leases(self) -> None:
        channel: Any
        for channel in self.channels or ():
            channel.renew_leases()
