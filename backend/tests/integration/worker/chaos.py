"""SIGKILL at random moments while events flow: whole workers (the process group, as a crash or
`kill -9` of the service does) and single prefork pool children (as the OOM killer does).

Used by `test_worker_chaos.py` (a few kills, every broker) and by `bench/worker/run.py`
(20 kills during 100 events, figures in docs/benchmarks.md). Mail goes to the file mailer; an
email counts once per file, and duplicates are found by the `X-Mercato-Event` header of every
file, not by the file names.
"""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import func, select

from mercato.bootstrap import build_container
from mercato.platform.config import Settings
from mercato.platform.outbox import OutboxEvent, record_event
from tests.integration.worker.harness import Process, Workers, wait_until


@dataclass
class ChaosResult:
    broker: str
    events: int
    whole_kills: int = 0
    child_kills: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unprocessed: int = 0
    drain_seconds: float | None = None  # from the last kill to the last event processed
    max_latency_seconds: float | None = None  # the slowest event, from its commit to processed
    resends_absorbed: int = 0  # the handler sent again after a kill; the mailer wrote nothing
    exits: int = 0  # workers that exited by themselves (restarted, as a service manager does)
    logs: str = ""

    def line(self) -> str:
        drain = "n/a" if self.drain_seconds is None else f"{self.drain_seconds:.1f}"
        latency = "n/a" if self.max_latency_seconds is None else f"{self.max_latency_seconds:.1f}"
        return (
            f"[{self.broker}] events={self.events} whole-worker kills={self.whole_kills} "
            f"pool-child kills={self.child_kills} lost={len(self.lost)} "
            f"duplicated={len(self.duplicated)} unprocessed={self.unprocessed} "
            f"resends absorbed={self.resends_absorbed} worker exits={self.exits} "
            f"drain after last kill={drain}s slowest event={latency}s"
        )


def mail_by_event(mail_dir: Path) -> collections.Counter[str]:
    parser = BytesParser(policy=policy.default)
    counts: collections.Counter[str] = collections.Counter()
    for path in mail_dir.glob("*.eml") if mail_dir.exists() else []:
        with path.open("rb") as fh:
            header = str(parser.parse(fh, headersonly=True)["X-Mercato-Event"] or "")
        counts[header.rsplit(" ", 1)[-1]] += 1
    return counts


async def run_chaos(
    settings: Settings,
    directory: Path,
    *,
    broker: str,
    events: int,
    whole_kills: int,
    child_kills: int,
    seed: int | None = None,
    concurrency: int = 2,
    drain_timeout: float = 180.0,
) -> ChaosResult:
    """Start `mercato scheduler` and a prefork `mercato worker`, commit `events` events in
    batches, SIGKILL at a random moment (0-5 s after the batch, the worker consuming) after each
    batch, restart a killed worker at once (as a service manager does), then wait for every event
    and count the emails."""
    assert settings.mail.backend == "file"
    rng = random.Random(seed)
    kills = ["whole"] * whole_kills + ["child"] * child_kills
    rng.shuffle(kills)
    container = build_container(settings)
    workers = Workers(settings, directory)
    result = ChaosResult(broker, events, whole_kills, child_kills)
    ids: list[uuid.UUID] = []
    try:
        workers.scheduler()
        worker: Process = await workers.worker(pool="prefork", concurrency=concurrency).ready(120)
        batches = max(len(kills), 1)

        def supervise() -> None:
            # Celery exits (WorkerLostError) when a child dies while the pool is starting;
            # like systemd's Restart=always, start a new one
            nonlocal worker
            if worker.proc is not None and worker.proc.poll() is not None:
                result.exits += 1
                worker = workers.worker(pool="prefork", concurrency=concurrency)

        last_kill = time.monotonic()
        for n in range(batches):
            size = events // batches + (1 if n < events % batches else 0)
            async with container.db.session() as session:
                for _ in range(size):
                    i = len(ids)
                    event = record_event(
                        session,
                        "OrderCancelled",
                        {
                            "order_id": str(uuid.uuid4()),
                            "order_number": f"MC-{i}",
                            "email": f"c{i}@example.com",
                            "reason": None,
                        },
                    )
                    ids.append(event.id)
            if n >= len(kills):
                continue
            supervise()
            # the worker restarted after the last kill must be consuming again, or the kill would
            # only interrupt its start-up: then a random moment of the processing
            try:
                await worker.ready(120)
            except AssertionError:  # it exited by itself meanwhile
                supervise()
                await worker.ready(120)
            await asyncio.sleep(rng.uniform(0.0, 5.0))
            supervise()
            if kills[n] == "whole":
                worker.kill()
                worker = workers.worker(pool="prefork", concurrency=concurrency)
            else:
                children = await wait_until(
                    worker.children, timeout=120, what="pool children to kill"
                )
                os.kill(rng.choice(children), signal.SIGKILL)
            last_kill = time.monotonic()

        async def pending() -> int:
            async with container.db.session(write=False) as session:
                count = await session.scalar(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(OutboxEvent.id.in_(ids), OutboxEvent.processed_at.is_(None))
                )
            return int(count or 0)

        deadline = time.monotonic() + drain_timeout
        while (left := await pending()) and time.monotonic() < deadline:
            supervise()
            await asyncio.sleep(0.2)
        result.unprocessed = left
        if not left:
            result.drain_seconds = max(0.0, time.monotonic() - last_kill)
        async with container.db.session(write=False) as session:
            rows = (
                await session.execute(
                    select(OutboxEvent.created_at, OutboxEvent.processed_at).where(
                        OutboxEvent.id.in_(ids), OutboxEvent.processed_at.is_not(None)
                    )
                )
            ).all()
        if rows:
            result.max_latency_seconds = max((p - c).total_seconds() for c, p in rows)
        await asyncio.sleep(1.0)  # a late duplicate would show up now
    finally:
        workers.stop_all()
        await container.aclose()
    mail = mail_by_event(settings.data_dir / "mail")
    result.lost = [str(e) for e in ids if mail[str(e)] == 0]
    result.duplicated = [str(e) for e in ids if mail[str(e)] > 1]
    sent = collections.Counter(
        line.split('"event_id": "', 1)[1][:36]
        for proc in workers.started
        for line in proc.log().splitlines()
        if '"email_sent"' in line and '"event_id": "' in line
    )
    result.resends_absorbed = sum(max(0, c - 1) for c in sent.values())
    result.logs = workers.logs()
    return result
