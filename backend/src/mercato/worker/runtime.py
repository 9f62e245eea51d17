"""Run async service code from (sync) Celery tasks: a fresh Container per job."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from mercato.bootstrap import Container, build_container
from mercato.config import Settings

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


async def run_job(settings: Settings, job: Callable[[Container], Awaitable[T]]) -> T:
    """Run `job(container)` against a fresh Container, closed afterwards whatever happens."""
    container = build_container(settings)
    try:
        return await job(container)
    finally:
        await container.aclose()


def run_job_sync(job: Callable[[Container], Awaitable[T]], settings: Settings | None = None) -> T:
    """The same from synchronous code (a Celery task): its own event loop per call."""
    return asyncio.run(run_job(settings or worker_settings(), job))
