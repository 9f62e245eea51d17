"""Prometheus metrics of the background processing (worker, relay, queues)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

TASK_DURATION = Histogram(
    "mercato_task_duration_seconds",
    "Task run time",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
TASK_RETRIES = Counter("mercato_task_retries_total", "Task retries scheduled", ["task"])
TASK_FAILURES = Counter("mercato_task_failures_total", "Tasks that failed for good", ["task"])
TASK_DEAD_LETTERED = Counter(
    "mercato_task_dead_lettered_total", "Tasks moved to the dead-letter table", ["task"]
)
OUTBOX_PUBLISHED = Counter(
    "mercato_outbox_published_total", "Outbox events published to the broker"
)
OUTBOX_REPUBLISHED = Counter(
    "mercato_outbox_republished_total",
    "Outbox events published again because they were not processed in time",
)
OUTBOX_DEAD_LETTERED = Counter(
    "mercato_outbox_dead_lettered_total", "Outbox events whose handler gave up (dead_at set)"
)
OUTBOX_PENDING = Gauge(
    "mercato_outbox_pending", "Outbox events not yet processed", multiprocess_mode="mostrecent"
)
TASKS = Counter(
    "mercato_tasks_total",
    "Tasks finished, by task name and outcome (success, failure, retry, ignored, rejected)",
    ["task", "outcome"],
)
TASK_OUTCOMES = ("success", "failure", "retry")
OUTBOX_RELAY_LAG = Histogram(
    "mercato_outbox_relay_lag_seconds",
    "Time from an outbox event's commit to its first publication to the broker",
    ["relay"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


def prime_task_metrics(task_names: Iterable[str]) -> None:
    """Every task's series exist at 0 from the start (rate() and alerts see the first one)."""
    for name in task_names:
        for outcome in TASK_OUTCOMES:
            TASKS.labels(name, outcome)
        TASK_RETRIES.labels(name)
        TASK_FAILURES.labels(name)
        TASK_DEAD_LETTERED.labels(name)


class QueueDepthCollector(Collector):
    """Asks the broker how many messages wait in each queue, at scrape time."""

    def __init__(self, app: object, queues: dict[str, str]) -> None:
        self._app = app
        self._queues = queues  # label -> real queue name

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "mercato_queue_depth", "Messages waiting in a queue", labels=["queue"]
        )
        try:
            with self._app.connection_for_read() as conn:  # type: ignore[attr-defined]
                channel = conn.default_channel
                for label, name in self._queues.items():
                    try:
                        _name, depth, _consumers = channel.queue_declare(queue=name, passive=True)
                    except Exception:
                        continue
                    family.add_metric([label], float(depth))
        except Exception:
            pass
        yield family
