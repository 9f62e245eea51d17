"""The API, the worker and beat as they run in production (embedded broker): the API's
after-commit relay, a mail task retrying while SMTP is down, and the beat schedule."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from mercato.bootstrap import build_container
from mercato.main import create_app
from mercato.platform.outbox import OutboxEvent, record_event
from tests.fakes.smtp import SmtpServer, _Handler, free_port
from tests.integration.worker import hooks
from tests.integration.worker.conftest import BrokerCase, worker_test_settings
from tests.integration.worker.harness import Workers, unique_prefix, wait_until

pytestmark = pytest.mark.timeout(300)


def embedded(tmp_path: Path) -> BrokerCase:
    return BrokerCase("embedded", f"sqla+sqlite:///{tmp_path / 'broker.db'}", unique_prefix())


async def test_registration_returns_while_smtp_is_down_and_the_mail_task_retries(
    db_url: str, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens here yet: the SMTP server is down
    settings = worker_test_settings(
        db_url, tmp_path, embedded(tmp_path), smtp_port=port, task_max_retries=10
    )
    container = build_container(settings)
    app = create_app(settings, container)
    workers = Workers(settings, tmp_path)
    controller: Controller | None = None
    try:
        await workers.worker().ready()
        async with app.router.lifespan_context(app):  # starts the after-commit relay
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.post(
                    "/api/v1/auth/register",
                    json={"email": "new@example.com", "password": "a long enough passphrase 1"},
                )
            # the request completed although no SMTP server exists: sending is not its job
            assert response.status_code == 201, response.text
            async with container.db.session(write=False) as session:
                (event,) = await session.scalars(
                    select(OutboxEvent).where(
                        OutboxEvent.event_type == "EmailVerificationRequested"
                    )
                )
            assert event.processed_at is None
            # published by the after-commit hook (no relay loop and no beat in this test); the
            # worker tries, fails to connect and schedules retries
            await wait_until(
                lambda: workers.started[0].log().count('"task_retry"') >= 2,
                timeout=60,
                what="mail task retries",
            )
            server = SmtpServer(host="127.0.0.1", port=port)
            controller = Controller(_Handler(server), hostname="127.0.0.1", port=port)
            controller.start()  # SMTP is back
            message = await wait_until(
                lambda: next(iter(server.received()), None), timeout=60, what="the email"
            )
    finally:
        if controller is not None:
            controller.stop()
        workers.stop_all()
        await container.aclose()
    assert message["To"] == "new@example.com"
    assert message["Subject"] == "Confirm your email address"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"{settings.storefront_url}/account/verify-email?token=" in text


async def test_beat_relays_events_and_runs_periodic_jobs(
    db_url: str, tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MERCATO_TEST_HOOK_DIR", str(tmp_path / "hooks"))
    settings = worker_test_settings(
        db_url,
        tmp_path,
        embedded(tmp_path),
        smtp_server,
        outbox_relay_interval_seconds=0.5,
        extra_jobs={"tests.integration.worker.hooks:tick_job": 0.5},
    )
    container = build_container(settings)
    workers = Workers(settings, tmp_path)
    try:
        workers.worker()
        workers.scheduler(log_level="DEBUG")  # the relay logs each batch it publishes at DEBUG
        # committed while nothing relays in this process: only the scheduler's relay can publish it
        async with container.db.session() as session:
            event = record_event(
                session,
                "OrderCancelled",
                {"order_id": "o", "order_number": "MO-9", "email": "z@example.com", "reason": None},
            )

        async def processed(event_id: uuid.UUID) -> bool:
            async with container.db.session(write=False) as session:
                row = await session.get(OutboxEvent, event_id)
            return row is not None and row.processed_at is not None

        await wait_until(functools.partial(processed, event.id), timeout=90, what="scheduler relay")
        await wait_until(lambda: len(hooks.runs("tick-job")) >= 2, timeout=60, what="tick job")
    except AssertionError:
        raise AssertionError(workers.logs()) from None
    finally:
        workers.stop_all()
        await container.aclose()
    (message,) = [m for m in smtp_server.received() if m["To"] == "z@example.com"]
    assert message["Subject"] == "Order MO-9 cancelled"
    beat_log: Any = workers.started[1].log()
    assert '"outbox_relay_started"' in beat_log
    assert '"outbox_published"' in beat_log  # published by the scheduler process itself


async def test_worker_metrics_and_the_api_outbox_gauge(
    db_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """Prefork worker (children count into the multiprocess directory) on its metrics port;
    the API's /metrics carries the outbox-pending gauge."""
    port = free_port()
    settings = worker_test_settings(
        db_url,
        tmp_path,
        embedded(tmp_path),
        smtp_server,
        metrics_port=port,
        metrics_host="127.0.0.1",
    )
    container = build_container(settings)
    app = create_app(settings, container)
    workers = Workers(settings, tmp_path)
    try:
        await workers.worker(pool="prefork").ready()
        async with app.router.lifespan_context(app):
            async with container.db.session() as session:
                event = record_event(
                    session,
                    "OrderCancelled",
                    {"order_id": "o", "order_number": "MO-3", "email": "m@example.com"},
                )
            await wait_until(
                lambda: any(m["To"] == "m@example.com" for m in smtp_server.received()),
                timeout=60,
                what="the email",
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                api_metrics = (await client.get("/metrics")).text
        async with httpx.AsyncClient() as client:

            async def scraped() -> str | None:
                text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                return text if 'task="mercato.events.handle"' in text else None

            worker_metrics = await wait_until(scraped, timeout=30, what="task metrics")
    finally:
        workers.stop_all()
        await container.aclose()
    assert event.id is not None
    assert "mercato_outbox_pending" in api_metrics
    assert 'mercato_task_duration_seconds_count{task="mercato.events.handle"}' in worker_metrics
    assert 'mercato_queue_depth{queue="mail"}' in worker_metrics
