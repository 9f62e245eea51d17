"""Worker fault benchmark: SIGKILL at random moments while 100 events are delivered, on the
embedded broker, RabbitMQ and Redis, with default settings and the file mailer.

Per broker two runs: 20 kills of the whole worker (its process group; restarted at once, as a
service manager does) and 20 kills of one prefork pool child (as the OOM killer does), each at a
random moment after a batch of events is committed. Reported: lost and duplicated emails (by the
`X-Mercato-Event` header of every .eml file), events never processed, and the time from the last
kill until the last event was processed. `mercato scheduler` (the outbox relay) and `mercato worker
--pool prefork --concurrency 2` run as real processes. Exits non-zero on any loss or duplicate.

    .venv/bin/python bench/worker/run.py [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
        [--amqp-url amqp://guest:guest@127.0.0.1:5672//] [--redis-url redis://127.0.0.1:6379/0]
        [--events 100] [--kills 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

BACKEND = Path(__file__).resolve().parents[2] / "backend"
sys.path.insert(0, str(BACKEND))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tests.integration.worker.chaos import ChaosResult, run_chaos  # noqa: E402
from tests.integration.worker.harness import cleanup_amqp, cleanup_redis  # noqa: E402

from mercato.models import create_extra_ddl, metadata  # noqa: E402
from mercato.platform.config import Settings  # noqa: E402


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _sync_url(async_url: str) -> str:
    url = make_url(async_url)
    driver = "postgresql+psycopg" if url.get_backend_name() == "postgresql" else "sqlite"
    return url.set(drivername=driver).render_as_string(hide_password=False)


def _schema(url: str) -> None:
    engine = create_engine(_sync_url(url))
    with engine.begin() as conn:
        metadata.create_all(conn)
        create_extra_ddl(conn)
    engine.dispose()


def _pg_database(base_url: str) -> tuple[str, Callable[[], None]]:
    name = f"mercato_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_sync_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(drivername="postgresql+asyncpg", database=name)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def _nothing() -> None:
    pass


async def one_run(
    kind: str,
    broker_url: str,
    pg_url: str,
    directory: Path,
    args: Any,
    whole: int,
    child: int,
) -> ChaosResult:
    directory.mkdir(parents=True)
    drop: Callable[[], None] = _nothing
    if kind == "embedded" or not pg_url:
        db_url = f"sqlite+aiosqlite:///{directory / 'mercato.db'}"
    else:
        db_url, drop = _pg_database(pg_url)
    _schema(db_url)
    prefix = f"bench{uuid.uuid4().hex[:8]}-"
    if kind == "embedded":
        broker_url = f"sqla+sqlite:///{directory / 'broker.db'}"
    settings = Settings(
        env="test",
        data_dir=directory / "var",
        database_url=db_url,
        broker_url=broker_url,
        redis_url=None,
        log_level="INFO",
        mail={"backend": "file"},
        worker={"queue_prefix": prefix},  # every other worker setting at its default
    )
    try:
        return await run_chaos(
            settings,
            directory,
            broker=kind,
            events=args.events,
            whole_kills=whole,
            child_kills=child,
            seed=args.seed,
            drain_timeout=600,
        )
    finally:
        if kind == "amqp":
            cleanup_amqp(broker_url, settings)
        elif kind == "redis":
            cleanup_redis(broker_url, prefix)
        drop()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("MERCATO_TEST_DATABASE_URL", ""))
    parser.add_argument("--amqp-url", default=os.environ.get("MERCATO_TEST_AMQP_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("MERCATO_TEST_REDIS_URL", ""))
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--brokers", default="embedded,amqp,redis")
    args = parser.parse_args()
    urls = {"embedded": "", "amqp": args.amqp_url, "redis": args.redis_url}
    results: list[tuple[str, str, ChaosResult]] = []
    with tempfile.TemporaryDirectory(prefix="mercato-bench-worker-") as tmp:
        for kind in args.brokers.split(","):
            if kind != "embedded" and not urls[kind]:
                out(f"skipping {kind}: no URL")
                continue
            database = "sqlite" if kind == "embedded" or not args.pg_url else "postgresql"
            for label, whole, child in (
                ("whole worker", args.kills, 0),
                ("pool child", 0, args.kills),
            ):
                directory = Path(tmp) / f"{kind}-{label.replace(' ', '-')}"
                result = await one_run(kind, urls[kind], args.pg_url, directory, args, whole, child)
                out(f"{database}: {result.line()}")
                results.append((f"{kind} + {database}", label, result))
    out()
    out(
        "| broker + database | SIGKILL of | kills | events | lost | duplicated | unprocessed "
        "| re-sends absorbed | worker exits | last event processed after the last kill "
        "| slowest event (commit to processed) |"
    )
    out("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = False
    for broker, label, r in results:
        kills = r.whole_kills + r.child_kills
        drain = "never" if r.drain_seconds is None else f"{r.drain_seconds:.1f} s"
        slowest = "n/a" if r.max_latency_seconds is None else f"{r.max_latency_seconds:.1f} s"
        out(
            f"| {broker} | {label} | {kills} | {r.events} | {len(r.lost)} | {len(r.duplicated)} "
            f"| {r.unprocessed} | {r.resends_absorbed} | {r.exits} | {drain} | {slowest} |"
        )
        failed |= bool(r.lost or r.duplicated or r.unprocessed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
