"""SMTP duplicate window: how long after the SMTP server answered "250" to DATA the mail handler
commits its `processed_event` row. A worker killed inside that window sends the email again
(ADR 0015); outside it, never.

Each database (SQLite, and PostgreSQL with --pg-url) gets a fresh schema and a real aiosmtpd
server on loopback; N OrderCancelled events are handled by the real handler, in process (the same
code the worker runs). Per email: the server's clock at its "250" (aiosmtpd handler), the
mailer's return (after aiosmtplib's QUIT), and the handler's own `unrecorded_ms` (mailer return to
commit, logged as `email_recorded`). Window = (mailer return - server 250) + unrecorded_ms.

    .venv/bin/python bench/worker/smtp_window.py [--pg-url postgresql+asyncpg://...] [--emails 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BACKEND = Path(__file__).resolve().parents[2] / "backend"
sys.path.insert(0, str(BACKEND))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import structlog  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from run import _pg_database, _schema  # noqa: E402
from tests.fakes.smtp import free_port  # noqa: E402

from mercato.bootstrap import build_container  # noqa: E402
from mercato.notifications.providers.smtp import SmtpMailer  # noqa: E402
from mercato.platform.config import Settings  # noqa: E402
from mercato.platform.outbox import record_event  # noqa: E402
from mercato.worker import dispatch_pending_events  # noqa: E402


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


accepted: dict[str, float] = {}  # event id -> server clock at "250"
returned: dict[str, float] = {}  # event id -> mailer returned


class Stamping:
    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        for line in envelope.original_content.decode(errors="replace").splitlines():
            if line.startswith("X-Mercato-Event:"):
                accepted[line.rsplit(" ", 1)[-1].strip()] = time.perf_counter()
        return "250 Message accepted for delivery"


_send = SmtpMailer.send


async def _timed_send(self: SmtpMailer, email: Any) -> None:
    await _send(self, email)
    returned[email.headers["X-Mercato-Event"].rsplit(" ", 1)[-1]] = time.perf_counter()


SmtpMailer.send = _timed_send  # type: ignore[method-assign]  # measurement only


async def measure(db_url: str, directory: Path, emails: int) -> list[float]:
    _schema(db_url)
    port = free_port()
    controller = Controller(Stamping(), hostname="127.0.0.1", port=port)
    controller.start()
    settings = Settings(
        env="test",
        data_dir=directory / "var",
        database_url=db_url,
        broker_url=f"sqla+sqlite:///{directory / 'broker.db'}",
        redis_url=None,
        mail={"backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": port},
    )
    container = build_container(settings)
    accepted.clear()
    returned.clear()
    try:
        async with container.db.session() as session:
            for i in range(emails):
                record_event(
                    session,
                    "OrderCancelled",
                    {
                        "order_id": str(i),
                        "order_number": f"MC-{i}",
                        "email": f"w{i}@example.com",
                    },
                )
        with structlog.testing.capture_logs() as logs:
            await dispatch_pending_events(container)
    finally:
        await container.aclose()
        controller.stop()
    windows = []
    for entry in logs:
        if entry["message"] == "email_recorded":
            event_id = entry["event_id"]
            quit_ms = (returned[event_id] - accepted[event_id]) * 1000
            windows.append(quit_ms + float(entry["unrecorded_ms"]))
    return windows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("MERCATO_TEST_DATABASE_URL", ""))
    parser.add_argument("--emails", type=int, default=200)
    args = parser.parse_args()
    out("| database | emails | window p50 ms | p99 ms | max ms |")
    out("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="mercato-bench-smtp-") as tmp:
        runs: list[tuple[str, str, Any]] = [
            ("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'sqlite.db'}", lambda: None)
        ]
        if args.pg_url:
            runs.append(("postgresql", *_pg_database(args.pg_url)))
        for name, url, drop in runs:
            directory = Path(tmp) / name
            directory.mkdir()
            try:
                w = sorted(await measure(url, directory, args.emails))
            finally:
                drop()
            p99 = w[min(len(w) - 1, int(len(w) * 0.99))]
            out(f"| {name} | {len(w)} | {statistics.median(w):.2f} | {p99:.2f} | {max(w):.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
