"""Fixtures of the worker suites: one broker per test (embedded, RabbitMQ, Redis), isolated by a
unique queue prefix (and Redis key prefix) and cleaned up afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mercato.platform.config import Settings
from tests.conftest import make_settings
from tests.fakes.smtp import SmtpServer
from tests.integration.worker.harness import cleanup_amqp, cleanup_redis, unique_prefix


@dataclass(frozen=True)
class BrokerCase:
    kind: str
    url: str
    prefix: str


@pytest.fixture(params=["embedded", "amqp", "redis"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BrokerCase]:
    kind = request.param
    if kind == "embedded":
        url = f"sqla+sqlite:///{tmp_path / 'broker.db'}"
    elif kind == "amqp":
        url = request.getfixturevalue("amqp_url")
    else:
        url = request.getfixturevalue("redis_url")
    case = BrokerCase(kind, url, unique_prefix())
    yield case
    if kind == "amqp":
        cleanup_amqp(
            url,
            make_settings("sqlite+aiosqlite://", tmp_path, worker={"queue_prefix": case.prefix}),
        )
    elif kind == "redis":
        cleanup_redis(url, case.prefix)


def worker_test_settings(
    db_url: str,
    tmp_path: Path,
    broker: BrokerCase,
    smtp: SmtpServer | None = None,
    *,
    smtp_port: int | None = None,
    **worker: Any,
) -> Settings:
    """Settings tuned for fast tests: short republish timeout, visibility timeout and backoff."""
    values: dict[str, Any] = {
        "queue_prefix": broker.prefix,
        "broker_polling_interval_seconds": 0.05,
        "outbox_relay_interval_seconds": 0.2,
        "outbox_republish_after_seconds": 1.5,
        "outbox_claim_seconds": 2.0,
        "publish_timeout_seconds": 2.0,
        "retry_backoff_seconds": 0.2,
        "retry_backoff_max_seconds": 5.0,
        "task_max_retries": 3,
        "visibility_timeout_seconds": 3,
        "embedded_lease_seconds": 2.0,
        "extra_imports": ["tests.integration.worker.hooks"],
        "checkpoint_dir": str(tmp_path / "checkpoints"),
        "relay_after_commit": True,
    }
    values.update(worker)
    (tmp_path / "checkpoints").mkdir(exist_ok=True)
    (tmp_path / "hooks").mkdir(exist_ok=True)
    port = smtp.port if smtp is not None else smtp_port
    return make_settings(
        db_url,
        tmp_path,
        broker_url=broker.url,
        mail={
            "backend": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": port or 25,
            "smtp_timeout_seconds": 2,
        },
        worker=values,
    )
