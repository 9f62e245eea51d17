"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, tuned for several processes.

Differences from the stock `sqla+sqlite://` transport (ADR 0006):
- WAL journal and a long busy timeout, so the API, the worker and beat can share the file;
- a delivered message row is deleted instead of being kept with `visible = false` forever.
  The stock transport never reads an invisible row again either (its acknowledgements live in the
  consumer's memory), so this changes nothing for delivery and keeps the file small;
- `polling_interval` is honoured instead of being passed on to `create_engine()`.

Like the stock transport, a message taken by a worker that is then killed is lost: the outbox
relay republishes every event that was not processed in time, so no event is lost.
"""

from __future__ import annotations

import time
from json import loads
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.transport import sqlalchemy as sqla
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError

BUSY_TIMEOUT_SECONDS = 30


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

    def _get_or_create(self, queue: str) -> Any:
        """kombu's version fails for good when another process inserts the same queue first."""
        try:
            return super()._get_or_create(queue)  # type: ignore[misc]
        except IntegrityError:
            self.session.rollback()
            return super()._get_or_create(queue)  # type: ignore[misc]

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        obj = self._get_or_create(queue)
        session = self.session
        session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            msg = (
                session.query(self.message_cls)
                .filter(self.message_cls.queue_id == obj.id)
                .filter(self.message_cls.visible != False)  # noqa: E712
                .order_by(self.message_cls.sent_at)
                .order_by(self.message_cls.id)
                .limit(1)
                .first()
            )
            if msg is None:
                raise Empty()
            payload = loads(bytes_to_str(msg.payload))
            session.delete(msg)
            return payload
        finally:
            session.commit()


class Transport(sqla.Transport):
    Channel = Channel
    driver_name = "sqlalchemy-sqlite"
