"""Celery configuration, backoff and the beat schedule (no I/O)."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from mercato.platform.config import Settings
from mercato.worker.celery_app import backoff_seconds, broker_kind, build_celery
from mercato.worker.tasks import JOBS, beat_schedule, load_job


def settings(tmp_path: Path, **worker: object) -> Settings:
    return Settings(env="test", data_dir=tmp_path, worker=worker)


def test_backoff_windows_grow_and_are_capped() -> None:
    rng = random.Random(7)
    for retries in range(8):
        delays = [backoff_seconds(retries, base=1, cap=30, rng=rng) for _ in range(200)]
        ceiling = min(30, 2**retries)
        assert min(delays) >= ceiling / 2
        assert max(delays) <= ceiling
        assert len(set(delays)) > 100  # jittered, not one fixed value
    # each window starts where the previous one ended: delays grow retry after retry
    for retries in range(4):
        assert backoff_seconds(retries, base=1, cap=1e9, rng=random.Random(1)) <= backoff_seconds(
            retries + 1, base=1, cap=1e9, rng=random.Random(2)
        )


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("sqla+sqlite:///var/broker.db", "embedded"),
        ("amqp://guest:guest@localhost:5672//", "amqp"),
        ("redis://localhost:6379/1", "redis"),
        ("rediss://localhost:6380/1", "redis"),
    ],
)
def test_broker_kind(url: str, kind: str) -> None:
    assert broker_kind(url) == kind


def test_reliability_settings_and_prefixed_queues(tmp_path: Path) -> None:
    app = build_celery(settings(tmp_path, queue_prefix="shop1-", task_time_limit_seconds=42))
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.task_time_limit == 42
    assert {q.name for q in conf.task_queues} == {
        "shop1-default",
        "shop1-mail",
        "shop1-payments",
        "shop1-shipping",
    }
    assert conf.task_default_queue == "shop1-default"
    # the embedded broker goes through our transport on the same SQLite file
    assert conf.broker_transport == "mercato.worker.embedded_broker:Transport"
    assert conf.broker_url == f"sqlite:///{(tmp_path / 'broker.db').as_posix()}"
    assert conf.worker_enable_remote_control is False


def test_redis_isolation_and_visibility_timeout(tmp_path: Path) -> None:
    s = settings(tmp_path, queue_prefix="t1-", visibility_timeout_seconds=77)
    s = s.model_copy(update={"broker_url": "redis://localhost:6379/0"})
    options = build_celery(s).conf.broker_transport_options
    assert options["visibility_timeout"] == 77
    assert options["global_keyprefix"] == "t1-"


def test_beat_schedule_follows_settings(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        outbox_relay_interval_seconds=0.5,
        expire_unpaid_orders_interval_seconds=30,
        extra_jobs={"pkg.mod:nightly": 86400},
    )
    schedule = beat_schedule(s)
    # the relay runs in the scheduler's own loop, not as a task that needs a live worker
    assert "outbox-relay" not in schedule
    assert all(entry["task"] != "mercato.outbox.relay" for entry in schedule.values())
    assert schedule["expire_unpaid_orders"]["schedule"] == timedelta(seconds=30)
    assert schedule["reconcile_payments"]["options"]["queue"] == "payments"
    assert schedule["nightly"]["task"] == "mercato.jobs.nightly"
    assert set(JOBS) <= set(schedule)
    # a module's own settings group may hold its job's interval (`group.field`)
    s.shipping.poll_every_seconds = 7
    tracking = beat_schedule(s)["poll_tracking"]
    assert tracking["schedule"] == timedelta(seconds=7)
    assert tracking["options"]["queue"] == "shipping"


def test_jobs_of_modules_not_there_yet_are_skipped_not_crashing() -> None:
    assert load_job("mercato.no_such_module.service:job") is None
    assert load_job("mercato.worker.runtime:run_job") is not None
