"""Prometheus metrics of the API and the business, and the /metrics exposition (ADR 0035).

Several processes (`mercato serve --workers N`, prefork worker children) write their samples to
files in `PROMETHEUS_MULTIPROC_DIR`; the scraped process sums them. A metric that a prefork worker
child may touch must have labels: its value is then created after the fork, in the child, where
prometheus_client already writes to files (an unlabelled metric is created at import, in the
parent, possibly before the switch).

Business counters are counted after the transaction commits (`count_after_commit`): a checkout
that rolls back counts nothing.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from bisect import bisect_left
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as mp
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.pool import AsyncAdaptedQueuePool, Pool

# ------------------------------------------------------------------------------------------ HTTP
HTTP_REQUESTS = Counter(
    "mercato_http_requests_total",
    "HTTP requests by method, route template and status class (2xx, 4xx, 5xx ...)",
    ["method", "route", "status_class"],
)
HTTP_DURATION = Histogram(
    "mercato_http_request_duration_seconds",
    "HTTP request duration by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_STATUS_CLASS = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


_REQUEST_CHILDREN: dict[tuple[str, str, str], tuple[Any, Any]] = {}
_MAX_CACHED_CHILDREN = 5000  # routes are templates and methods few; a cap all the same


class _TurnTally:
    """The requests finished in one turn of the event loop, recorded at its end: a burst of
    cached hits (many per turn under load) takes each labelled child's lock once per turn, not
    three times per request (docs/benchmarks.md). Outside a loop a request is recorded at once;
    readers of this process's samples (`exposition`, tests) call `flush` first."""

    def __init__(self) -> None:
        self._requests: list[tuple[str, str, int, float]] = []
        self._counted: dict[Any, int] = {}  # plain counter children (the cache's hits) -> n
        self._loop: asyncio.AbstractEventLoop | None = None

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        if self._due():
            self._requests.append((method, route, status, seconds))
        else:
            _record_requests([(method, route, status, seconds)])

    def count(self, child: Any) -> None:
        if self._due():
            self._counted[child] = self._counted.get(child, 0) + 1
        else:
            child.inc()

    def _due(self) -> bool:
        """True when the sample can wait for the end of this turn (a flush is scheduled)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return False
        if loop is not self._loop:
            self.flush()  # what a loop that stopped before its turn ended left behind
            self._loop = loop
            loop.call_soon(self.flush)
        elif not self._requests and not self._counted:
            loop.call_soon(self.flush)
        return True

    def flush(self) -> None:
        requests, self._requests = self._requests, []
        counted, self._counted = self._counted, {}
        if requests:
            _record_requests(requests)
        for child, n in counted.items():
            child.inc(n)


def _record_requests(requests: list[tuple[str, str, int, float]]) -> None:
    """Each (method, route, status class) counted once, each duration into its bucket; the
    labelled children are looked up once per key (`labels()` costs ~8 µs a call)."""
    grouped: dict[tuple[str, str, str], list[float]] = {}
    for method, route, status, seconds in requests:
        key = (method, route, _STATUS_CLASS.get(status // 100, "5xx"))
        durations = grouped.get(key)
        if durations is None:
            grouped[key] = [seconds]
        else:
            durations.append(seconds)
    for key, durations in grouped.items():
        children = _REQUEST_CHILDREN.get(key)
        if children is None:
            children = (HTTP_REQUESTS.labels(*key), HTTP_DURATION.labels(key[0], key[1]))
            if len(_REQUEST_CHILDREN) < _MAX_CACHED_CHILDREN:
                _REQUEST_CHILDREN[key] = children
        children[0].inc(len(durations))
        _observe_many(children[1], durations)


def _observe_many(histogram: Any, values: list[float]) -> None:
    """`histogram.observe(v)` for each value, with one increment per bucket and one of the sum.
    Uses the child's `_upper_bounds`, `_buckets` and `_sum`, as `observe` does;
    `test_metrics_batching` holds the result equal to `observe`'s."""
    if len(values) == 1:
        histogram.observe(values[0])
        return
    bounds = histogram._upper_bounds
    per_bucket = [0] * len(bounds)
    for value in values:
        per_bucket[bisect_left(bounds, value)] += 1
    histogram._sum.inc(sum(values))
    for bucket, n in zip(histogram._buckets, per_bucket, strict=True):
        if n:
            bucket.inc(n)


request_tally = _TurnTally()


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """One finished request (the request-context middleware, the edge): recorded at the end of
    this turn of the event loop."""
    request_tally.request(method, route, status, seconds)


# -------------------------------------------------------------------------------------- database
DB_POOL_IN_USE = Gauge(
    "mercato_db_pool_connections_in_use",
    "Database connections checked out of the pool",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_POOL_WAITS = Counter(
    "mercato_db_pool_waits_total",
    "Connection checkouts that found the pool exhausted and had to wait",
    ["pool"],
)
DB_POOL_WAIT_SECONDS = Histogram(
    "mercato_db_pool_wait_seconds",
    "Time waited for a connection when the pool was exhausted",
    ["pool"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0),
)


class InstrumentedPool(AsyncAdaptedQueuePool):
    """The async engines' queue pool, counting and timing checkouts that had to wait."""

    # SQLAlchemy names a pool's logger after its class's module: stay under `sqlalchemy.pool`
    # (WARNING by default) so dispose/recreate lines do not flood the INFO logs.
    __module__ = "sqlalchemy.pool.impl"
    metrics_label = "main"

    def _do_get(self) -> Any:
        if self.checkedout() < self.size() + self._max_overflow:
            return super()._do_get()
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            DB_POOL_WAITS.labels(self.metrics_label).inc()
            DB_POOL_WAIT_SECONDS.labels(self.metrics_label).observe(time.perf_counter() - started)


class ReadPool(InstrumentedPool):
    __module__ = "sqlalchemy.pool.impl"
    metrics_label = "read"


class QuickPool(InstrumentedPool):
    __module__ = "sqlalchemy.pool.impl"
    metrics_label = "quick"


class WritePool(InstrumentedPool):
    __module__ = "sqlalchemy.pool.impl"
    metrics_label = "write"


def instrument_pool(pool: Pool, label: str) -> None:
    """The in-use gauge, kept by the pool's checkout/checkin events."""
    in_use = DB_POOL_IN_USE.labels(label)
    DB_POOL_WAITS.labels(label)
    event.listen(pool, "checkout", lambda *_: in_use.inc())
    event.listen(pool, "checkin", lambda *_: in_use.dec())


# ----------------------------------------------------------------------- rate limits and outbox
RATE_LIMIT_REJECTIONS = Counter(
    "mercato_rate_limit_rejections_total",
    "Requests refused by a rate limit, by limit (login_ip, login_account, register ...)",
    ["limit"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "mercato_outbox_oldest_age_seconds",
    "Age of the oldest outbox event not yet processed (0 when none)",
    multiprocess_mode="mostrecent",
)

# -------------------------------------------------------------------------------------- business
ORDERS_PLACED = Counter("mercato_orders_placed_total", "Orders placed", ["currency"])
ORDERS_PAID = Counter("mercato_orders_paid_total", "Orders paid", ["currency"])
REVENUE = Counter(
    "mercato_revenue_minor_units_total",
    "Money received for paid orders, in minor units (cents), by currency",
    ["currency"],
)
PAYMENT_FAILURES = Counter(
    "mercato_payment_failures_total",
    "Failed payment attempts by reason (the provider's decline code)",
    ["reason"],
)
CHECKOUT_STOCKOUTS = Counter(
    "mercato_checkout_stockouts_total",
    "Checkouts refused because an item was out of stock",
    ["code"],
)
REFUNDS = Counter("mercato_refunds_total", "Refunds issued", ["currency"])
REFUNDED = Counter(
    "mercato_refunded_minor_units_total",
    "Money refunded, in minor units, by currency",
    ["currency"],
)

_REASON = re.compile(r"^[a-z0-9_]{1,40}$")


def failure_reason(reason: str | None) -> str:
    """A bounded label value: the provider's code as is, anything free-form as `other`."""
    value = (reason or "").strip().lower().replace("-", "_").replace(" ", "_")
    return value if _REASON.match(value) else "other"


def prime(currency: str) -> None:
    """Create the series a dashboard or alert reads, so they exist (at 0) before the first event."""
    for metric in (ORDERS_PLACED, ORDERS_PAID, REVENUE, REFUNDS, REFUNDED):
        metric.labels(currency)
    PAYMENT_FAILURES.labels("other")
    CHECKOUT_STOCKOUTS.labels("insufficient_stock")
    for limit in ("login_ip", "login_account"):
        RATE_LIMIT_REJECTIONS.labels(limit)


_PENDING_KEY = "metrics_after_commit"


def count_after_commit(session: AsyncSession | Session, counter: Any, amount: float = 1) -> None:
    """Increment `counter` (a labelled child) when the session's transaction commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(_PENDING_KEY, []).append((counter, amount))


def _after_commit(session: Session) -> None:
    for counter, amount in session.info.pop(_PENDING_KEY, ()):
        counter.inc(amount)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", lambda session, _tx: _after_rollback(session))


def count_business_event(session: AsyncSession, event_type: str, payload: dict[str, Any]) -> None:
    """Business counters from an outbox event (called by `record_event`)."""
    currency = str(payload.get("currency") or "")
    if event_type == "OrderPlaced":
        count_after_commit(session, ORDERS_PLACED.labels(currency))
    elif event_type == "PaymentSucceeded":
        count_after_commit(session, ORDERS_PAID.labels(currency))
        count_after_commit(session, REVENUE.labels(currency), int(payload.get("amount") or 0))
    elif event_type == "RefundIssued":
        count_after_commit(session, REFUNDS.labels(currency))
        count_after_commit(session, REFUNDED.labels(currency), int(payload.get("amount") or 0))


# ----------------------------------------------------------------------------------- exposition
def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def enable_multiprocess(data_dir: Path, kind: str) -> Path:
    """Switch this process (and the children it starts) to multiprocess mode.

    The samples go to `<data_dir>/metrics/<kind>-<pid>/`, created empty; the directories of
    earlier runs whose process is gone are removed, so totals start from zero at each start
    (Prometheus handles counter resets).
    """
    from prometheus_client import values

    root = data_dir / "metrics"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob(f"{kind}-*"):
        pid = old.name.rpartition("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    directory = root / f"{kind}-{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    return directory


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exposition(extra: Callable[[CollectorRegistry], None] | None = None) -> bytes:
    """The text exposition: every process's samples in multiprocess mode, else this process's."""
    request_tally.flush()
    if multiprocess_dir():
        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        if extra is not None:
            extra(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
