"""The prefork pool of `mercato worker` (ADR 0014).

Celery's prefork pool, with one change: Celery aborts the whole worker ("Could not start worker
processes") when any child has died by the time its event loop starts, so a child SIGKILLed
during start-up (the OOM killer picks the youngest, biggest process) took the worker down. Here
only "no child is alive" is fatal; a dead child is replaced by the pool's maintenance like one
that dies later.
"""

from __future__ import annotations

from typing import Any

from celery.concurrency import prefork


class TaskPool(prefork.TaskPool):
    def did_start_ok(self) -> bool:
        pool: Any = self._pool  # type: ignore[attr-defined]
        return any(process.is_alive() for process in pool._pool)
