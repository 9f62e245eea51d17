"""Backup metrics, the same on every process's /metrics (the alerts are written against them).

The backup runs in the scheduler's worker, or from a shell; the numbers must show on the API's
/metrics too. So they are not process counters: a collector reads the backup store's
`status.json` (written after every backup and verification, mercato.backups.service) at scrape
time, cached for `MERCATO_BACKUP__METRICS_CACHE_SECONDS` and refreshed in the background so a
slow bucket never delays a scrape.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import structlog
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mercato.platform.config import Settings

LAST_SUCCESS = "mercato_backup_last_success_timestamp_seconds"
LAST_VERIFY_SUCCESS = "mercato_backup_last_verify_success_timestamp_seconds"
FAILURES = "mercato_backup_failures_total"
STAGES = ("create", "verify")

log = structlog.get_logger("mercato.backups")

StatusReader = Callable[[], dict[str, Any]]


class BackupStatusCollector(Collector):
    def __init__(self, reader: StatusReader | None = None, cache_seconds: float = 30.0) -> None:
        self.reader = reader
        self.cache_seconds = cache_seconds
        self._status: dict[str, Any] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()
        self._refreshing = False

    def configure(self, reader: StatusReader, cache_seconds: float) -> None:
        with self._lock:
            self.reader, self.cache_seconds = reader, cache_seconds
            self._status, self._read_at = None, 0.0

    def _refresh(self) -> None:
        reader = self.reader
        try:
            status = reader() if reader else {}
        except Exception as exc:  # keep the last known values; staleness shows in the gauges
            log.warning("backup_status_unreadable", error=str(exc))
            status = None
        with self._lock:
            if status is not None:
                self._status = status
            self._read_at = time.monotonic()
            self._refreshing = False

    def status(self) -> dict[str, Any]:
        with self._lock:
            fresh = time.monotonic() - self._read_at < self.cache_seconds
            first = self._status is None
            start = not fresh and not self._refreshing and not first
            if start:
                self._refreshing = True
        if first:
            self._refresh()  # the first scrape waits for real values
        elif start:
            threading.Thread(target=self._refresh, daemon=True).start()
        return self._status or {}

    def describe(self) -> Iterator[Metric]:
        return iter(())  # values come from outside: never collected at registration

    def collect(self) -> Iterator[Metric]:
        status = self.status() if self.reader else {}
        yield GaugeMetricFamily(
            LAST_SUCCESS,
            "Unix time of the last successful backup (0: none yet)",
            value=float(status.get("last_success") or 0),
        )
        yield GaugeMetricFamily(
            LAST_VERIFY_SUCCESS,
            "Unix time of the last backup that restored and verified (0: none yet)",
            value=float(status.get("last_verify_success") or 0),
        )
        failures = CounterMetricFamily(
            FAILURES.removesuffix("_total"), "Backup runs that failed, by stage", labels=["stage"]
        )
        counts = status.get("failures") or {}
        for stage in STAGES:
            failures.add_metric([stage], float(counts.get(stage, 0)))
        yield failures


COLLECTOR = BackupStatusCollector()
_registered = False
_register_lock = threading.Lock()


def install(settings: Settings) -> None:
    """Report the backup status of this shop's store on the default registry (/metrics)."""
    global _registered

    def reader() -> dict[str, Any]:
        from mercato.backups.providers import build_storage
        from mercato.backups.service import read_status

        return read_status(build_storage(settings))

    COLLECTOR.configure(reader, settings.backup.metrics_cache_seconds)
    with _register_lock:
        if not _registered:
            REGISTRY.register(COLLECTOR)
            _registered = True


def add_to(registry: CollectorRegistry) -> None:
    """Multiprocess mode serves a fresh registry per scrape: the backup status goes there too."""
    if COLLECTOR.reader is not None:
        registry.register(COLLECTOR)
