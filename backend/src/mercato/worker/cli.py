"""`mercato worker`, `mercato scheduler`, `mercato tasks dead|replay`."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mercato.platform.config import Settings

if TYPE_CHECKING:
    from mercato.bootstrap import Container
    from mercato.worker.models import TaskDeadLetter

OUTBOX_READ = "SELECT 1 FROM outbox_event LIMIT 1"  # the schema both need, whoever created it
# a supervisor (`make run`) learns that the worker or scheduler is ready from this file, which
# they create once ready, whatever the log level
READY_FILE_ENV = "MERCATO_READY_FILE"
POOLS = ("prefork", "threads", "solo")  # the ones Mercato runs on (no eventlet or gevent installed)
tasks_app = typer.Typer(help="Background tasks: dead letters.", no_args_is_help=True)


def _setup(settings: Settings, service: str) -> None:
    from mercato.ops.sentry import init_sentry
    from mercato.platform.logging import configure_logging

    configure_logging(settings.log_level, json=settings.log_json, service=service)
    init_sentry(settings, service)


def _create_ready_file_on(signal: Any) -> None:
    path = os.environ.get(READY_FILE_ENV)
    if path:
        signal.connect(lambda **_: Path(path).touch(), weak=False)


def _prometheus_multiprocess(settings: Settings) -> None:
    """Prefork children count into files the parent's metrics server aggregates.

    Metrics a child touches are labelled (created lazily, after this), so switching
    prometheus_client's value class here is enough even when it was imported already.
    """
    from mercato.platform.metrics import enable_multiprocess

    enable_multiprocess(settings.data_dir, "worker")


def _metrics_port_free(settings: Settings, port: int | None, variable: str) -> None:
    """A metrics port that cannot be listened on is one line naming its setting (exit code 2),
    before anything starts, not a traceback once the rest has."""
    from mercato.platform.portcheck import port_problem

    if port and (problem := port_problem(settings.worker.metrics_host, port)):
        typer.echo(f"{variable}: {problem}", err=True)
        raise typer.Exit(2)


def _serve_metrics(app: Any, settings: Settings, port: int) -> None:
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
    from prometheus_client import multiprocess as mp

    from mercato.worker.celery_app import QUEUES, queue_name
    from mercato.worker.metrics import QueueDepthCollector

    registry: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(QueueDepthCollector(app, {q: queue_name(settings, q) for q in QUEUES}))
    start_http_server(port, addr=settings.worker.metrics_host, registry=registry)


def worker(
    concurrency: int = typer.Option(
        0,
        min=0,
        show_default=False,
        help="Worker processes/threads (default: MERCATO_WORKER__CONCURRENCY; 0 means that).",
    ),
    pool: str = typer.Option("prefork", help="prefork (time limits enforced), threads or solo."),
    queues: str = typer.Option("", help="Comma-separated queues (default: all)."),
    name: str = typer.Option(
        "", help="Node name (default: mercato-<pid>@<host>, unique even for several per host)."
    ),
) -> None:
    """Run a Celery worker consuming every queue (default, mail, payments, shipping)."""
    # systemd and container runtimes send SIGTERM to every process: pool children killed that way
    # can die holding the pool's queue lock and the main process then hangs until SIGKILL.
    # Celery's remedy (read when billiard is imported, so before any Celery import): children
    # ignore SIGTERM and the main process shuts them down; running tasks get
    # `worker_soft_shutdown_timeout` (1 s), then are requeued (acks_late).
    os.environ.setdefault("REMAP_SIGTERM", "SIGQUIT")
    from mercato.cli import check_database, load_settings
    from mercato.worker.celery_app import QUEUES

    # wrong options are a usage error before anything starts, not Celery's traceback
    if pool not in POOLS:
        raise typer.BadParameter(f"{pool!r} is not one of {', '.join(POOLS)}", param_hint="--pool")
    names = [q.strip() for q in queues.split(",") if q.strip()] or list(QUEUES)
    if unknown := [q for q in names if q not in QUEUES]:
        raise typer.BadParameter(
            f"unknown queue {unknown[0]!r} (the queues: {', '.join(QUEUES)})", param_hint="--queues"
        )

    settings = load_settings()
    _metrics_port_free(settings, settings.worker.metrics_port, "MERCATO_WORKER__METRICS_PORT")
    if settings.worker.metrics_port and pool == "prefork":
        _prometheus_multiprocess(settings)
    _setup(settings, "worker")  # before the check: its log lines are the worker's
    check_database(settings, OUTBOX_READ)  # unreachable or no schema: one line, not failing tasks
    from mercato.worker.celery_app import broker_kind, queue_name
    from mercato.worker.tasks import create_worker_app

    app = create_worker_app(settings)
    if settings.worker.metrics_port:
        _serve_metrics(app, settings, settings.worker.metrics_port)
    argv = [
        "worker",
        f"--concurrency={concurrency or settings.worker.concurrency}",
        f"--pool={pool}",
        "--queues=" + ",".join(queue_name(settings, q) for q in names),
        f"--loglevel={settings.log_level.upper()}",
        # remote control uses an exclusive queue per node name: two workers on one host (or a
        # replacement started before the broker noticed a killed one) must not share it
        f"--hostname={name or f'mercato-{os.getpid()}@%h'}",
        "--without-mingle",
        "--without-gossip",
    ]
    if broker_kind(settings.effective_broker_url) == "embedded":
        argv.append("--without-heartbeat")
    from celery.signals import worker_ready

    _create_ready_file_on(worker_ready)
    app.worker_main(["--quiet", *argv])  # no banner: stdout carries only JSON log lines


def scheduler() -> None:
    """Run the outbox relay (its own loop, every second) and Celery beat (the periodic jobs)."""
    from mercato.cli import check_database, load_settings

    settings = load_settings()
    _metrics_port_free(
        settings, settings.worker.scheduler_metrics_port, "MERCATO_WORKER__SCHEDULER_METRICS_PORT"
    )
    _setup(settings, "scheduler")
    check_database(settings, OUTBOX_READ)  # unreachable or no schema: one line, not a failing relay
    from mercato.worker.relay import RelayLoop
    from mercato.worker.tasks import create_worker_app

    app = create_worker_app(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.worker.scheduler_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker.scheduler_metrics_port, addr=settings.worker.metrics_host)
    # the relay is the safety net of every event: it runs here, beside beat, not as a task on a
    # worker, so it keeps publishing and republishing when no worker is alive (ADR 0015)
    from mercato.bootstrap import build_container

    relay = RelayLoop(settings, build_container)
    relay.start()
    from celery.signals import beat_init

    _create_ready_file_on(beat_init)
    from mercato.worker.beat_log import say_connection_errors_once

    say_connection_errors_once()  # not an error line per retry while the broker is down
    beat = app.Beat(
        schedule=str(settings.data_dir / "celerybeat-schedule"),
        loglevel=settings.log_level.upper(),
        max_interval=app.conf.beat_max_loop_interval,
        quiet=True,  # no banner: stdout carries only JSON log lines
    )
    try:
        beat.run()
    finally:
        relay.stop()


def worker_health(
    metrics_url: str = typer.Option(
        "",
        help="The worker's metrics endpoint to probe "
        "(default: http://127.0.0.1:$MERCATO_WORKER__METRICS_PORT/ when that is set).",
    ),
    timeout: float = typer.Option(10.0, min=0.1, help="Seconds each check may take."),
) -> None:
    """Container probe for a worker: database, cache, broker (with latency) and the worker's own
    metrics endpoint. Prints one JSON object; exit code 0 when all are ok, 1 otherwise."""
    import json
    import time
    import urllib.request

    from mercato.bootstrap import run_job
    from mercato.ops.router import DependencyCheck, dependency_checks

    settings = Settings()
    from mercato.platform.logging import configure_logging

    configure_logging("WARNING", json=settings.log_json, service="worker-health")
    checks = asyncio.run(run_job(settings, lambda c: dependency_checks(c, timeout)))
    port = settings.worker.metrics_port
    url = metrics_url or (f"http://127.0.0.1:{port}/" if port else "")
    if url:
        started = time.perf_counter()
        error = None
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                if response.status != 200:
                    error = f"HTTP {response.status}"
        except Exception as exc:
            error = type(exc).__name__
        checks["worker"] = DependencyCheck(
            status="unavailable" if error else "ok",
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            error=error,
        )
    ok = all(check.status == "ok" for check in checks.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {name: c.model_dump(exclude_none=True) for name, c in checks.items()},
    }
    typer.echo(json.dumps(body))
    raise typer.Exit(0 if ok else 1)


@tasks_app.command("dead")
def tasks_dead(
    all_: bool = typer.Option(False, "--all", help="Include tasks already replayed."),
    limit: int = typer.Option(100, min=1, max=1000),
) -> None:
    """List tasks that exhausted their retries."""
    from mercato.bootstrap import run_job
    from mercato.worker.service import list_dead_letters

    async def job(container: Container) -> list[TaskDeadLetter]:
        async with container.db.session(write=False) as session:
            rows, _ = await list_dead_letters(session, include_replayed=all_, limit=limit)
            return rows

    rows = asyncio.run(run_job(Settings(), job))
    if not rows:
        typer.echo("no dead-lettered tasks")
        return
    for row in rows:
        replayed = f" replayed={row.replayed_at.isoformat()}" if row.replayed_at else ""
        first_line = row.error.splitlines()[0] if row.error else ""
        typer.echo(
            f"{row.id}  {row.failed_at.isoformat()}  {row.task_name}  args={row.args}  "
            f"retries={row.retries}{replayed}  {first_line}"
        )


@tasks_app.command("replay")
def tasks_replay(
    dead_letter_id: str = typer.Argument(..., help="The id shown by `tasks dead`."),
) -> None:
    """Publish a dead-lettered task again."""
    from mercato.bootstrap import run_job
    from mercato.platform.errors import DomainError
    from mercato.worker.service import replay_dead_letter

    try:
        ident = uuid.UUID(dead_letter_id)
    except ValueError:
        typer.echo(f"not a valid id: {dead_letter_id}", err=True)
        raise typer.Exit(2) from None

    async def job(container: Container) -> TaskDeadLetter:
        async with container.db.session() as session:
            return await replay_dead_letter(session, container, ident)

    try:
        row = asyncio.run(run_job(Settings(), job))
    except DomainError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"replayed {row.id} ({row.task_name})")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("scheduler")(scheduler)
    app.command("worker-health")(worker_health)
    app.add_typer(tasks_app, name="tasks")
