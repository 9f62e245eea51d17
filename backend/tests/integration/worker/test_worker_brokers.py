"""The whole background path with real processes, on the embedded broker, RabbitMQ and Redis:
outbox row commits -> relay publishes -> `mercato worker` (a child process) -> real SMTP server.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mercato.bootstrap import Container, build_container
from mercato.platform.outbox import OutboxEvent, record_event
from mercato.worker import service
from mercato.worker.models import TaskDeadLetter
from mercato.worker.models import TaskDeadLetter as DeadLetter
from tests.fakes.smtp import SmtpServer
from tests.integration.worker import hooks
from tests.integration.worker.conftest import BrokerCase, worker_test_settings
from tests.integration.worker.harness import Workers, relay_loop, wait_until

pytestmark = pytest.mark.timeout(900)

KILL_ITERATIONS = int(os.environ.get("MERCATO_TEST_KILL_ITERATIONS", "6"))


def order_placed(email: str, number: str) -> dict[str, Any]:
    """An OrderPlaced payload exactly as checkout records it (docs/events.md)."""
    return {
        "order_id": str(uuid.uuid4()),
        "order_number": number,
        "email": email,
        "customer_name": "Ann Example",
        "currency": "EUR",
        "subtotal": 2500,
        "discount_total": 0,
        "shipping_total": 490,
        "tax_total": 475,
        "total": 2990,
        "prices_include_tax": True,
        "discount_code": None,
        "shipping_method": {"name": "Standard", "price": 490},
        "lines": [
            {"sku": "MUG-1", "title": "Mug", "quantity": 2, "unit_price": 1250, "line_total": 2500}
        ],
        "shipping_address": {"line1": "1 Main St", "city": "Lyon", "country": "FR"},
        "order_url": f"http://127.0.0.1:3000/orders/{number}?token=signed",
    }


async def record(
    container: Container, event_type: str, payload: dict[str, Any], *, arm: str | None = None
) -> uuid.UUID:
    """Commit one outbox event (optionally arming a checkpoint for it before the commit)."""
    async with container.db.session() as session:
        event = record_event(session, event_type, payload)
        if arm is not None:
            checkpoint_dir = container.settings.worker.checkpoint_dir
            assert checkpoint_dir is not None
            (checkpoint_dir / f"{arm}-{event.id}.arm").touch()
    return event.id


async def outbox_row(container: Container, event_id: uuid.UUID) -> OutboxEvent:
    async with container.db.session(write=False) as session:
        row = await session.get(OutboxEvent, event_id)
    assert row is not None
    return row


async def is_processed(container: Container, event_id: uuid.UUID) -> bool:
    return (await outbox_row(container, event_id)).processed_at is not None


def emails_for(smtp: SmtpServer, event_id: uuid.UUID) -> list[Any]:
    return [m for m in smtp.received() if str(event_id) in str(m["X-Mercato-Event"])]


@pytest.fixture
async def setup(
    db_url: str,
    tmp_path: Path,
    broker: BrokerCase,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Any:
    monkeypatch.setenv("MERCATO_TEST_HOOK_DIR", str(tmp_path / "hooks"))
    overrides = getattr(request, "param", {})
    settings = worker_test_settings(db_url, tmp_path, broker, smtp_server, **overrides)
    container = build_container(settings)
    workers = Workers(settings, tmp_path)
    try:
        yield container, workers
    finally:
        workers.stop_all()
        await container.aclose()


async def test_order_confirmation_email_end_to_end(setup: Any, smtp_server: SmtpServer) -> None:
    container, workers = setup
    async with relay_loop(container):
        workers.worker()
        event_id = await record(
            container, "OrderPlaced", order_placed("ann@example.com", "MO-1001")
        )
        message = await wait_until(
            lambda: next(iter(emails_for(smtp_server, event_id)), None),
            timeout=60,
            what="the email",
        )
        await wait_until(lambda: is_processed(container, event_id), what="processed_at")
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "Order MO-1001 received"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "http://127.0.0.1:3000/orders/MO-1001?token=signed" in text
    assert "€29.90" in text
    row = await outbox_row(container, event_id)
    assert row.published_at is not None
    assert len(emails_for(smtp_server, event_id)) == 1, workers.logs()
    # JSON log lines of the worker carry the task id (structlog contextvars bound per task)
    sent = [line for line in workers.started[0].log().splitlines() if '"email_sent"' in line]
    assert sent
    assert all('"task_id"' in line for line in sent)


# redelivery after a kill must come from the broker: with the suite's 1.5 s republish delay, a
# loaded machine could have the relay publish a copy while the first worker is still between its
# SMTP send and its commit, and the copy's worker would send the email a second time
@pytest.mark.parametrize("setup", [{"outbox_republish_after_seconds": 120}], indirect=True)
async def test_sigkill_mid_task_loses_nothing_and_duplicates_nothing(
    setup: Any, smtp_server: SmtpServer, broker: BrokerCase, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL the worker while it handles an event, alternately just before the SMTP send and just
    after it was recorded; the next worker must deliver every event exactly once."""
    container, workers = setup
    # full count on the combinations that ship (embedded+SQLite for `make run`, RabbitMQ/Redis with
    # PostgreSQL in production); a short run on the others keeps the suite fast
    production_like = (broker.kind == "embedded") == (container.db.dialect == "sqlite")
    iterations = KILL_ITERATIONS if production_like else max(2, KILL_ITERATIONS // 10)
    events: list[tuple[uuid.UUID, str]] = []
    checkpoint_dir = container.settings.worker.checkpoint_dir
    async with relay_loop(container):
        # two workers at all times: the one caught at the checkpoint is SIGKILLed and replaced,
        # so no iteration waits for a worker to boot
        alive = [workers.worker(), workers.worker()]
        for i in range(iterations):
            point = "before_send" if i % 2 == 0 else "after_send"
            event_id = await record(
                container, "OrderPlaced", order_placed(f"k{i}@example.com", f"MO-{i}"), arm=point
            )
            events.append((event_id, point))
            reached = checkpoint_dir / f"{point}-{event_id}"
            await wait_until(reached.exists, timeout=60, what=f"{point} #{i}")
            victim = next(w for w in alive if w.proc and w.proc.pid == int(reached.read_text()))
            victim.kill()
            alive = [w for w in alive if w is not victim] + [workers.worker()]
            await wait_until(
                functools.partial(is_processed, container, event_id),
                timeout=60,
                what=f"event #{i} processed",
            )
        for w in alive:
            w.stop()
    lost = [e for e, _ in events if not emails_for(smtp_server, e)]
    duplicated = {
        p: sum(1 for e, q in events if q == p and len(emails_for(smtp_server, e)) > 1)
        for p in ("before_send", "after_send")
    }
    with capsys.disabled():
        sys.stdout.write(
            f"\n[{broker.kind}/{container.db.dialect}] SIGKILL x{iterations}: lost={len(lost)} "
            f"duplicated(kill before send)={duplicated['before_send']} "
            f"duplicated(kill after send)={duplicated['after_send']}\n"
        )
    assert lost == [], workers.logs()
    assert duplicated == {"before_send": 0, "after_send": 0}


# the relay must not republish during a retry chain (ETA messages can arrive late on a busy
# broker); republishing has its own tests
@pytest.mark.parametrize("setup", [{"outbox_republish_after_seconds": 120}], indirect=True)
async def test_retries_with_growing_delays_then_dead_letter_and_replay(setup: Any) -> None:
    container, workers = setup
    async with relay_loop(container):
        await workers.worker().ready()
        flaky_id = await record(container, hooks.FLAKY, {"n": 1})
        broken_id = await record(container, hooks.BROKEN, {"n": 2})
        await wait_until(
            lambda: is_processed(container, flaky_id), timeout=60, what="flaky processed"
        )
        # four runs: three failures, then success; each retry waits longer than the last window
        times = hooks.runs(f"runs-{flaky_id}")
        assert len(times) == 4
        gaps = [b - a for a, b in itertools.pairwise(times)]
        base = container.settings.worker.retry_backoff_seconds
        for n, gap in enumerate(gaps):
            assert gap >= base * 2**n / 2, gaps  # the lower edge of retry n's backoff window
        # the always-failing one: 1 + 3 retries, then the dead-letter table; the relay leaves it
        dead = await wait_until(
            lambda: list_dead_letters(container), timeout=60, what="dead letter"
        )
        assert len(hooks.runs(f"runs-{broken_id}")) == 4
        assert dead[0].task_name == "mercato.events.handle"
        assert dead[0].args[0] == str(broken_id)
        assert "failing on purpose" in dead[0].error
        row = await wait_until(lambda: _dead_row(container, broken_id), what="outbox dead_at")
        assert row.processed_at is None
        # fix the cause, replay: it runs again and the event is delivered
        (hooks.hook_dir() / f"fixed-{broken_id}").touch()
        async with container.db.session() as session:
            replayed = await service.replay_dead_letter(session, container, dead[0].id)
        assert replayed.replayed_at is not None
        await wait_until(
            lambda: is_processed(container, broken_id), timeout=60, what="replayed event processed"
        )
    assert len(hooks.runs(f"runs-{broken_id}")) == 5
    assert await list_dead_letters(container) == []
    async with container.db.session(write=False) as session:
        assert len(list(await session.scalars(select(TaskDeadLetter)))) == 1


async def list_dead_letters(container: Container) -> list[DeadLetter]:
    async with container.db.session(write=False) as session:
        rows, _ = await service.list_dead_letters(session)
        return rows


async def _dead_row(container: Container, event_id: uuid.UUID) -> OutboxEvent | None:
    row = await outbox_row(container, event_id)
    return row if row.dead_at is not None else None
