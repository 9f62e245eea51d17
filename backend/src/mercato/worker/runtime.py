"""Run async service code from (sync) Celery tasks: a fresh Container per job."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from mercato.bootstrap import Container, run_job
from mercato.platform.config import Settings

T = TypeVar("T")

_settings: Settings | None = None


def set_worker_settings(settings: Settings) -> None:
    global _settings
    _settings = settings


def worker_settings() -> Settings:
    """The settings the current worker/beat process was started with."""
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def run_job_sync(job: Callable[[Container], Awaitable[T]], settings: Settings | None = None) -> T:
    """The same from synchronous code (a Celery task): its own event loop per call."""
    return asyncio.run(run_job(settings or worker_settings(), job))
