"""Real worker / scheduler processes and per-broker isolation for the worker suites."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mercato.bootstrap import Container
from mercato.platform.config import Settings
from mercato.worker.celery_app import QUEUES, queue_name
from mercato.worker.relay import CeleryPublisher, relay_once

BACKEND = Path(__file__).resolve().parents[3]
MERCATO = Path(sys.executable).parent / "mercato"


def settings_env(settings: Settings, hook_dir: Path) -> dict[str, str]:
    """The environment that gives a subprocess the settings the worker needs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update(
        MERCATO_ENV=settings.env,
        MERCATO_DATA_DIR=str(settings.data_dir),
        MERCATO_DATABASE_URL=settings.effective_database_url,
        MERCATO_BROKER_URL=settings.effective_broker_url,
        MERCATO_SECRET_KEY=settings.secret_key.get_secret_value(),
        MERCATO_STOREFRONT_URL=settings.storefront_url,
        MERCATO_LOG_LEVEL="INFO",
        MERCATO_LOG_JSON="true",
        MERCATO_TEST_HOOK_DIR=str(hook_dir),
        PYTHONPATH=str(BACKEND),
    )
    for group in ("mail", "worker"):
        for key, value in getattr(settings, group).model_dump(mode="json").items():
            if value is None:
                continue
            name = f"MERCATO_{group.upper()}__{key.upper()}"
            env[name] = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    if settings.mail.smtp_password is not None:
        env["MERCATO_MAIL__SMTP_PASSWORD"] = settings.mail.smtp_password.get_secret_value()
    return env


@dataclass
class Process:
    """`mercato worker` / `mercato scheduler` as a child process with its log in a file."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(MERCATO), *self.args],
            env=self.env,
            cwd=self.log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs; unacked messages stay wherever the broker has them."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    async def ready(self, timeout: float = 60.0) -> Process:
        """Wait until Celery logged "ready" (consuming), or fail with the log."""
        await wait_until(
            lambda: " ready." in self.log() or self.proc is None or self.proc.poll() is not None,
            timeout=timeout,
            what="worker ready",
        )
        assert self.proc is not None, "not started"
        assert self.proc.poll() is None, self.log()[-4000:]
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def children(self) -> list[int]:
        """Pids of the direct children (the prefork pool processes of a worker)."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        pids: list[int] = []
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    pids.extend(int(p) for p in (task / "children").read_text().split())
        return pids


@dataclass
class Workers:
    """Starts workers (and beat) with the test's settings; stops every one at the end."""

    settings: Settings
    directory: Path
    started: list[Process] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return settings_env(self.settings, self.directory / "hooks")

    def worker(self, pool: str = "solo", concurrency: int = 1) -> Process:
        n = len(self.started)
        proc = Process(
            ["worker", "--pool", pool, "--concurrency", str(concurrency)],
            self.env,
            self.directory / f"worker-{n}.log",
        ).start()
        self.started.append(proc)
        return proc

    def scheduler(self, log_level: str = "INFO") -> Process:
        n = len(self.started)
        env = {**self.env, "MERCATO_LOG_LEVEL": log_level}
        proc = Process(["scheduler"], env, self.directory / f"beat-{n}.log").start()
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            proc.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.log_path.name}\n{p.log()[-4000:]}" for p in self.started)


async def wait_until(predicate: Callable[[], Any], *, timeout: float = 30.0, what: str = "") -> Any:
    """Poll (letting the event loop run) until `predicate()` is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def relay_loop(
    container: Container, *, interval: float = 0.1
) -> AsyncIterator[CeleryPublisher]:
    """What the API's after-commit relay and the beat relay do, in this process."""
    publisher = CeleryPublisher(container.settings)

    async def run() -> None:
        while True:
            with contextlib.suppress(Exception):
                await relay_once(container, publisher)
            await asyncio.sleep(interval)

    task = asyncio.create_task(run())
    try:
        yield publisher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        publisher.close()


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}-"


def cleanup_amqp(url: str, settings: Settings) -> None:
    from kombu import Connection, Exchange, Queue

    with Connection(url, connect_timeout=5) as conn:
        channel = conn.channel()
        for q in QUEUES:
            name = queue_name(settings, q)
            with contextlib.suppress(Exception):
                Queue(name, channel=channel).delete()
                Exchange(name, channel=channel).delete()


def cleanup_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        for q in QUEUES:  # kombu's binding keys carry the prefix inside the name
            keys.extend(client.scan_iter(match=f"*{prefix}{q}*", count=500))
        if keys:
            client.delete(*set(keys))
    finally:
        client.close()
