"""Celery configuration shared by the publisher (API relay) and the worker.

`build_celery(settings)` gives a configured app with no tasks (enough to publish by name);
`mercato.worker.tasks.create_worker_app(settings)` adds the tasks, signals and beat schedule.
"""

from __future__ import annotations

import random
from typing import Any

from celery import Celery
from kombu import Exchange, Queue

from mercato.platform.config import Settings
from mercato.worker.embedded_broker import is_embedded, sqlite_path

QUEUES = ("default", "mail", "payments", "shipping")
EMBEDDED_TRANSPORT = "mercato.worker.embedded_broker:Transport"
REDIS_TRANSPORT = "mercato.worker.redis_broker:Transport"


def queue_name(settings: Settings, name: str) -> str:
    return f"{settings.worker.queue_prefix}{name}"


def broker_kind(url: str) -> str:
    """`embedded`, `amqp` or `redis`."""
    if is_embedded(url):
        return "embedded"
    if url.startswith(("redis://", "rediss://", "redis+socket://")):
        return "redis"
    return "amqp"


def backoff_seconds(
    retries: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with "equal jitter": a delay in [b·2ⁿ/2, b·2ⁿ], capped.

    Each retry's window starts where the previous one ended, so delays grow while two workers
    retrying the same thing still spread out.
    """
    ceiling = float(min(cap, base * 2.0**retries))
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


def build_celery(settings: Settings) -> Celery:
    worker = settings.worker
    url = settings.effective_broker_url
    kind = broker_kind(url)
    app = Celery("mercato", set_as_current=False)
    queues = [
        Queue(
            queue_name(settings, q),
            Exchange(queue_name(settings, q), type="direct"),
            routing_key=queue_name(settings, q),
        )
        for q in QUEUES
    ]
    transport_options: dict[str, Any] = {}
    conf: dict[str, Any] = {}
    if kind == "embedded":
        conf["broker_url"] = sqlite_path(url)
        conf["broker_transport"] = EMBEDDED_TRANSPORT
        transport_options["polling_interval"] = worker.broker_polling_interval_seconds
        transport_options["lease_seconds"] = worker.embedded_lease_seconds
    else:
        conf["broker_url"] = url
    if kind == "redis":
        # our transport renews the visibility of held messages, so the timeout can be short; a
        # killed worker's messages are swept back by any live consumer within about one timeout
        conf["broker_transport"] = REDIS_TRANSPORT
        timeout = worker.visibility_timeout_seconds
        transport_options["visibility_timeout"] = timeout
        transport_options["unacked_restore_interval"] = max(1, timeout // 3)
        transport_options["unacked_restore_throttle"] = 1
        transport_options["unacked_mutex_expire"] = max(5, timeout)
        if worker.queue_prefix:
            transport_options["global_keyprefix"] = worker.queue_prefix
    default = queue_name(settings, "default")
    conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        event_serializer="json",
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_queues=queues,
        task_default_queue=default,
        task_default_exchange=default,
        task_default_routing_key=default,
        task_create_missing_queues=False,
        task_soft_time_limit=worker.task_soft_time_limit_seconds,
        task_time_limit=worker.task_time_limit_seconds,
        broker_transport_options=transport_options,
        broker_connection_timeout=worker.publish_timeout_seconds,
        broker_connection_retry_on_startup=True,
        broker_heartbeat=0 if kind == "embedded" else 60,
        worker_pool="mercato.worker.pool:TaskPool",  # `--pool prefork` (ADR 0014)
        worker_consumer="mercato.worker.consumer:Consumer",  # reconnects with exponential backoff
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        # the embedded transport has no fanout exchanges: no remote control, no events
        worker_enable_remote_control=kind != "embedded",
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # SIGTERM to the process group also kills the pool children; with no result backend
        # there is nothing to wait for, so a lost child's task fails (and is requeued, acks_late)
        # after 1 s instead of 10 and the worker stops well within a 10 s stop timeout.
        worker_lost_wait=1.0,
        worker_soft_shutdown_timeout=1.0,  # SIGTERM: running tasks get 1 s, then are requeued
        timezone="UTC",
        enable_utc=True,
        beat_max_loop_interval=5.0,
        imports=list(worker.extra_imports),
    )
    app.conf.update(conf)
    return app
