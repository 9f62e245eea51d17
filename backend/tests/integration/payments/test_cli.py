"""`mercato payments deliver-sandbox-events` and `mercato payments reconcile`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from mercato.bootstrap import Container
from mercato.cli import app
from mercato.payments.models import PaymentEvent
from tests.integration.payments.conftest import count_rows, place_order


async def test_cli_delivers_pending_sandbox_events_and_reconciles(
    container: Container, db_url: str, tmp_path: Path
) -> None:
    await place_order(container)  # the sandbox emitted payment_intent.created, not yet delivered
    env = {
        "MERCATO_ENV": "test",
        "MERCATO_DATABASE_URL": db_url,
        "MERCATO_DATA_DIR": str(tmp_path / "var"),
        "MERCATO_LOG_LEVEL": "WARNING",
    }
    runner = CliRunner()

    delivered = await asyncio.to_thread(
        runner.invoke, app, ["payments", "deliver-sandbox-events"], env=env
    )
    assert delivered.exit_code == 0, delivered.output
    assert "1 event(s) delivered" in delivered.output
    assert await count_rows(container, PaymentEvent) == 1

    again = await asyncio.to_thread(
        runner.invoke, app, ["payments", "deliver-sandbox-events"], env=env
    )
    assert "0 event(s) delivered" in again.output

    reconciled = await asyncio.to_thread(runner.invoke, app, ["payments", "reconcile"], env=env)
    assert reconciled.exit_code == 0, reconciled.output
    assert "0 payment(s) updated" in reconciled.output
