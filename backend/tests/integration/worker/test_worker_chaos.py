"""SIGKILL at random moments, on every broker: whole workers and single pool children.

A smaller version of `bench/worker/run.py` (20 kills during 100 events, docs/benchmarks.md). The
republish delay is left at its default (300 s) on every broker, so every redelivery comes from
the broker (leases, acknowledgements, Redis's unacked records written in the same step as the
pop: ADR 0014), not from the outbox relay's safety net.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.integration.worker.chaos import run_chaos
from tests.integration.worker.conftest import BrokerCase, worker_test_settings

pytestmark = pytest.mark.timeout(600)

EVENTS = int(os.environ.get("MERCATO_TEST_CHAOS_EVENTS", "12"))
KILLS = int(os.environ.get("MERCATO_TEST_CHAOS_KILLS", "2"))  # of each kind


async def test_random_sigkills_of_workers_and_pool_children_lose_and_duplicate_nothing(
    db_url: str, tmp_path: Path, broker: BrokerCase, capsys: pytest.CaptureFixture[str]
) -> None:
    # production pairs only (embedded + SQLite for `make run`, RabbitMQ/Redis + PostgreSQL)
    if (broker.kind == "embedded") != db_url.startswith("sqlite"):
        pytest.skip("chaos runs on the production broker/database pairs")
    settings = worker_test_settings(
        db_url,
        tmp_path,
        broker,
        outbox_republish_after_seconds=300.0,
        embedded_lease_seconds=3.0,
        visibility_timeout_seconds=3,
        broker_polling_interval_seconds=0.1,
    )
    settings = settings.model_copy(
        update={"mail": settings.mail.model_copy(update={"backend": "file"})}
    )
    result = await run_chaos(
        settings,
        tmp_path,
        broker=broker.kind,
        events=EVENTS,
        whole_kills=KILLS,
        child_kills=KILLS,
        drain_timeout=120,
    )
    with capsys.disabled():
        sys.stdout.write(f"\n{result.line()}\n")
    assert result.unprocessed == 0, result.logs
    assert result.lost == [], result.logs
    assert result.duplicated == [], result.logs
