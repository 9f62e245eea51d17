"""The worker's consumer: broker reconnection with exponential backoff and two log lines.

Celery retries a lost broker connection every 2, 4, 6 … 30 s and logs an error on every attempt.
Here the waits double (equal jitter, from 1 s up to `outbox_relay_max_backoff_seconds`), and the
worker logs one warning when the broker goes away and one when it is back.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from celery.worker.consumer import Consumer as CeleryConsumer
from celery.worker.state import maybe_shutdown

from mercato.worker.celery_app import backoff_seconds
from mercato.worker.runtime import worker_settings

log = structlog.get_logger("mercato.worker")


class Consumer(CeleryConsumer):
    def ensure_connected(self, conn: Any) -> Any:
        cap = worker_settings().worker.outbox_relay_max_backoff_seconds
        failures = 0
        down_since = 0.0
        while True:
            maybe_shutdown()
            try:
                conn.ensure_connection(max_retries=0)  # one attempt; we pace the retries
            except Exception as exc:  # kombu's OperationalError and the transport's own errors
                if failures == 0:
                    down_since = time.monotonic()
                    log.warning("broker_unreachable", broker=conn.as_uri(), error=str(exc))
                wait = backoff_seconds(failures, base=1.0, cap=cap)
                failures += 1
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline:  # stay responsive to a shutdown request
                    maybe_shutdown()
                    time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
                continue
            if failures:
                down = round(time.monotonic() - down_since, 1)
                log.warning("broker_back", broker=conn.as_uri(), down_seconds=down)
            self.first_connection_attempt = False
            self.broker_connection_retry_attempt = 0
            return conn
