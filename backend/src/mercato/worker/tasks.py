"""The worker's Celery app: tasks, retry policy, dead letters, signals and the beat schedule."""

from __future__ import annotations

import importlib
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from celery import Celery, Task, signals
from celery.exceptions import Ignore, Reject, Retry
from celery.schedules import crontab

from mercato.bootstrap import Container
from mercato.ops.sentry import tag_task
from mercato.platform.config import Settings
from mercato.worker.celery_app import backoff_seconds, build_celery, queue_name
from mercato.worker.metrics import (
    TASK_DEAD_LETTERED,
    TASK_DURATION,
    TASK_FAILURES,
    TASK_RETRIES,
    TASKS,
    prime_task_metrics,
)
from mercato.worker.runtime import run_job_sync, set_worker_settings, worker_settings

log = structlog.get_logger("mercato.worker")

RELAY_TASK = "mercato.outbox.relay"


@dataclass(frozen=True)
class JobSpec:
    path: str  # "module:function", an `async def fn(container) -> int`
    queue: str
    interval_setting: str


# Periodic jobs; each is `async def fn(container: Container) -> int` (items processed).
JOBS: dict[str, JobSpec] = {
    "expire_unpaid_orders": JobSpec(
        "mercato.orders.service:expire_unpaid_orders",
        "default",
        "expire_unpaid_orders_interval_seconds",
    ),
    "reconcile_payments": JobSpec(
        "mercato.payments.service:reconcile_pending_payments",
        "payments",
        "reconcile_payments_interval_seconds",
    ),
    "abandoned_cart_reminders": JobSpec(
        "mercato.cart.service:send_abandoned_cart_reminders",
        "default",
        "abandoned_cart_reminders_interval_seconds",
    ),
    "purge_expired_carts": JobSpec(
        "mercato.cart.service:purge_expired_carts",
        "default",
        "purge_expired_carts_interval_seconds",
    ),
    "purge_expired_tokens": JobSpec(
        "mercato.accounts.service:purge_expired_tokens",
        "default",
        "purge_expired_tokens_interval_seconds",
    ),
    # a dotted interval setting is read from the root settings (the module's own group)
    "poll_tracking": JobSpec(
        "mercato.shipping.tasks:poll_tracking", "shipping", "shipping.poll_every_seconds"
    ),
}


def job_interval(settings: Settings, name: str) -> float:
    """An interval setting: `WorkerSettings.<name>`, or `<group>.<name>` from the root."""
    if "." in name:
        group, _, attr = name.partition(".")
        return float(getattr(getattr(settings, group), attr))
    return float(getattr(settings.worker, name))


def load_job(path: str) -> Callable[[Container], Awaitable[int]] | None:
    """Import `module:function` lazily; None when the module has not landed yet."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    fn: Callable[[Container], Awaitable[int]] | None = getattr(module, attr, None)
    return fn


class MercatoTask(Task[Any, Any]):
    """Retries with exponential backoff and jitter; exhausted tasks go to the dead-letter table."""

    dead_letter = True

    @property
    def retry_limit(self) -> int:
        limit = getattr(self, "max_retries_override", None)
        return worker_settings().worker.task_max_retries if limit is None else int(limit)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The worker's tracer has pushed the request already; call run() directly to keep it.
        try:
            return self.run(*args, **kwargs)
        except (Retry, Ignore, Reject):
            raise
        except Exception as exc:
            retries = int(self.request.retries or 0)
            if retries >= self.retry_limit or self.request.called_directly:
                raise
            settings = worker_settings().worker
            countdown = backoff_seconds(
                retries, base=settings.retry_backoff_seconds, cap=settings.retry_backoff_max_seconds
            )
            TASK_RETRIES.labels(self.name).inc()
            log.warning(
                "task_retry", retries=retries + 1, countdown=round(countdown, 3), error=repr(exc)
            )
            self.before_retry(args, kwargs, countdown, exc)
            raise self.retry(exc=exc, countdown=countdown, max_retries=self.retry_limit) from exc

    def before_retry(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], countdown: float, exc: Exception
    ) -> None:
        """Hook for subclasses (the event task keeps the relay from republishing meanwhile)."""

    def on_dead(self, args: tuple[Any, ...], kwargs: dict[str, Any], error: str) -> None:
        """Hook for subclasses, after the dead letter is recorded."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        TASK_FAILURES.labels(self.name).inc()
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        log.error("task_failed", error=error, retries=self.request.retries)
        if not self.dead_letter:
            return
        from mercato.worker.service import record_dead_letter

        delivery = getattr(self.request, "delivery_info", None) or {}
        queue = delivery.get("routing_key")
        details = f"{error}\n{einfo.traceback if einfo else ''}"
        try:
            run_job_sync(
                lambda c: record_dead_letter(
                    c,
                    task_id=task_id,
                    task_name=self.name,
                    queue=queue,
                    args=list(args or ()),
                    kwargs=dict(kwargs or {}),
                    retries=int(self.request.retries or 0),
                    error=details,
                )
            )
            TASK_DEAD_LETTERED.labels(self.name).inc()
            self.on_dead(tuple(args or ()), dict(kwargs or {}), error)
        except Exception as dl_exc:
            log.error("dead_letter_write_failed", error=repr(dl_exc))


class EventTask(MercatoTask):
    def before_retry(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], countdown: float, exc: Exception
    ) -> None:
        from mercato.worker.events import postpone_republish

        settings = worker_settings().worker
        run_job_sync(
            lambda c: postpone_republish(
                c,
                uuid.UUID(str(args[0])),
                countdown + settings.outbox_republish_after_seconds,
                repr(exc),
            )
        )

    def on_dead(self, args: tuple[Any, ...], kwargs: dict[str, Any], error: str) -> None:
        from mercato.worker.events import mark_dead

        run_job_sync(lambda c: mark_dead(c, uuid.UUID(str(args[0])), error))


def _register_tasks(app: Celery, settings: Settings) -> None:
    from mercato.worker.events import handlers_for
    from mercato.worker.relay import (
        HANDLE_EVENT_TASK,
        CeleryPublisher,
        refresh_outbox_gauges,
        relay_once,
    )

    # import the handler modules (templates, mailers, models) in the parent: prefork children
    # inherit them, so a child started after a crash handles its first event at once
    handlers_for("")

    @app.task(name=HANDLE_EVENT_TASK, base=EventTask)
    def handle_event_task(event_id: str, event_type: str) -> bool:
        from mercato.worker.events import handle_event

        structlog.contextvars.bind_contextvars(event_id=event_id, event_type=event_type)
        return run_job_sync(lambda c: handle_event(c, uuid.UUID(event_id)))

    publisher = CeleryPublisher(settings, app)

    @app.task(name=RELAY_TASK, base=MercatoTask, dead_letter=False, max_retries_override=0)
    def relay_task() -> int:
        async def job(container: Container) -> int:
            published = await relay_once(container, publisher)
            await refresh_outbox_gauges(container)
            return published

        return run_job_sync(job)

    _register_backup_verification(app)
    for key, spec in {**JOBS, **_extra_jobs(settings)}.items():
        _register_job(app, key, spec)
    _register_job(
        app,
        "nightly_backup",
        NIGHTLY_BACKUP,
        time_limit=NIGHTLY_BACKUP_TIME_LIMIT_SECONDS,
    )


# The nightly backup (mercato.backups): backup, verify it in a scratch database, prune. Cron-like
# (an hour of the day), so it is not in JOBS; it may run for a long time (big shops).
NIGHTLY_BACKUP = JobSpec("mercato.backups.service:nightly_backup", "default", "")
NIGHTLY_BACKUP_TIME_LIMIT_SECONDS = 6 * 3600


def _register_backup_verification(app: Celery) -> None:
    """ "Verify now" from the admin (mercato.backups.verification): one restore-and-compare."""
    from mercato.backups.verification import VERIFY_TASK, VERIFY_TIME_LIMIT_SECONDS

    @app.task(name=VERIFY_TASK, base=MercatoTask, dead_letter=False, max_retries_override=0)
    def verify_backup_task(verification_id: str) -> str:
        from mercato.backups.verification import run_verification

        structlog.contextvars.bind_contextvars(verification_id=verification_id)
        return run_job_sync(lambda c: run_verification(c, uuid.UUID(verification_id)))

    verify_backup_task.time_limit = VERIFY_TIME_LIMIT_SECONDS
    verify_backup_task.soft_time_limit = VERIFY_TIME_LIMIT_SECONDS - 60


def _extra_jobs(settings: Settings) -> dict[str, JobSpec]:
    return {
        path.rpartition(":")[2]: JobSpec(path, "default", "") for path in settings.worker.extra_jobs
    }


def _register_job(app: Celery, key: str, spec: JobSpec, time_limit: int | None = None) -> None:
    @app.task(
        name=f"mercato.jobs.{key}",
        base=MercatoTask,
        dead_letter=False,
        max_retries_override=0,
    )
    def job_task() -> int:
        fn = load_job(spec.path)
        if fn is None:
            log.info("job_unavailable", job=key, path=spec.path)
            return 0
        processed = run_job_sync(fn)
        (log.info if processed else log.debug)("job_done", job=key, processed=processed)
        return processed

    if time_limit:  # read when the task runs: longer than the worker-wide default
        job_task.time_limit = time_limit
        job_task.soft_time_limit = time_limit - 60


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    worker = settings.worker
    # the outbox relay is not a beat entry: `mercato scheduler` runs it in its own loop
    schedule: dict[str, dict[str, Any]] = {}
    for key, spec in JOBS.items():
        every = job_interval(settings, spec.interval_setting)
        schedule[key] = {
            "task": f"mercato.jobs.{key}",
            "schedule": timedelta(seconds=every),
            "options": {"queue": queue_name(settings, spec.queue), "expires": max(every, 10.0)},
        }
    for key, spec in _extra_jobs(settings).items():
        every = float(worker.extra_jobs[spec.path])
        schedule[key] = {
            "task": f"mercato.jobs.{key}",
            "schedule": timedelta(seconds=every),
            "options": {"queue": queue_name(settings, spec.queue), "expires": max(every, 10.0)},
        }
    if settings.backup.schedule_enabled:
        schedule["nightly_backup"] = {
            "task": "mercato.jobs.nightly_backup",
            "schedule": crontab(minute="0", hour=str(settings.backup.schedule_hour)),
            # a missed night is not made up hours later, in the middle of the shop's day
            "options": {"queue": queue_name(settings, NIGHTLY_BACKUP.queue), "expires": 3 * 3600},
        }
    return schedule


_started: dict[str, float] = {}


def _on_prerun(task_id: str | None = None, task: Task[Any, Any] | None = None, **_: Any) -> None:
    structlog.contextvars.clear_contextvars()
    name = getattr(task, "name", None)
    structlog.contextvars.bind_contextvars(task_id=task_id, task_name=name)
    tag_task(task_id, name)
    if task_id:
        _started[task_id] = time.perf_counter()


def _on_postrun(
    task_id: str | None = None,
    task: Task[Any, Any] | None = None,
    state: str | None = None,
    **_: Any,
) -> None:
    started = _started.pop(task_id or "", None)
    if task is not None:
        if started is not None:
            TASK_DURATION.labels(task.name).observe(time.perf_counter() - started)
        TASKS.labels(task.name, (state or "unknown").lower()).inc()
    structlog.contextvars.clear_contextvars()


def _keep_our_logging(**_: Any) -> None:
    """Connected to `setup_logging` so Celery leaves the root logger to configure_logging()."""


signals.task_prerun.connect(_on_prerun, weak=False)
signals.task_postrun.connect(_on_postrun, weak=False)
signals.setup_logging.connect(_keep_our_logging, weak=False)


def create_worker_app(settings: Settings) -> Celery:
    """The Celery app run by `mercato worker` and `mercato scheduler`."""
    set_worker_settings(settings)
    app = build_celery(settings)
    app.conf.beat_schedule = beat_schedule(settings)
    _register_tasks(app, settings)
    prime_task_metrics(name for name in app.tasks if name.startswith("mercato."))
    app.set_current()
    app.set_default()
    return app
