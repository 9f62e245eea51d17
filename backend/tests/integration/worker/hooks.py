"""Test-only handlers and jobs, loaded into real worker processes through
MERCATO_WORKER__EXTRA_IMPORTS / MERCATO_WORKER__EXTRA_JOBS. Each run appends a line to a file
in $MERCATO_TEST_HOOK_DIR so the test can count runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mercato.bootstrap import Container
from mercato.worker.events import Event, event_handler

FLAKY = "TestFlakyHappened"  # fails 3 times, then succeeds
BROKEN = "TestBrokenHappened"  # fails until <hook dir>/fixed-<event id> exists


def hook_dir() -> Path:
    return Path(os.environ["MERCATO_TEST_HOOK_DIR"])


def runs(name: str) -> list[float]:
    path = hook_dir() / name
    return [float(line) for line in path.read_text().split()] if path.exists() else []


def _record_run(name: str) -> int:
    path = hook_dir() / name
    with path.open("a") as fh:
        fh.write(f"{time.time()}\n")
    return len(runs(name))


@event_handler(FLAKY, consumer="test-flaky")
async def flaky(container: Container, event: Event) -> None:
    if _record_run(f"runs-{event.id}") <= 3:
        raise RuntimeError("flaky handler failing on purpose")


@event_handler(BROKEN, consumer="test-broken")
async def broken(container: Container, event: Event) -> None:
    _record_run(f"runs-{event.id}")
    if not (hook_dir() / f"fixed-{event.id}").exists():
        raise RuntimeError("broken handler failing on purpose")


async def tick_job(container: Container) -> int:
    """A periodic job of our own: proves beat -> worker -> run_job with a fresh Container."""
    assert container.db is not None
    _record_run("tick-job")
    return 1


SLOW = "TestSlowHappened"  # takes payload["seconds"], longer than the broker's lease


@event_handler(SLOW, consumer="test-slow")
async def slow(container: Container, event: Event) -> None:
    import asyncio

    _record_run(f"runs-{event.id}")
    await asyncio.sleep(float(event.payload["seconds"]))
