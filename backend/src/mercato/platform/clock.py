"""Time helpers: always timezone-aware UTC.

Code that schedules by time (the simulated carrier, the polling job) takes a `Clock`, a callable
returning the current time, so tests can run it under a controlled clock instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Attach UTC to naive datetimes (SQLite returns them naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
