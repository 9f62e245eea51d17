"""`mercato payments reconcile` and `mercato payments deliver-sandbox-events`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import typer

from mercato.platform.config import Settings

if TYPE_CHECKING:  # the container (and all it imports) loads only when a command runs
    from mercato.bootstrap import Container

payments_app = typer.Typer(help="Payments: reconciliation, sandbox webhooks.", no_args_is_help=True)


def _run(job: Callable[[Container], Awaitable[int]]) -> int:
    from mercato.bootstrap import run_job

    return asyncio.run(run_job(Settings(), job))


@payments_app.command("reconcile")
def reconcile() -> None:
    """Ask the provider about orders left pending_payment too long (missed webhooks)."""
    from mercato.payments.service import reconcile_pending_payments

    typer.echo(f"{_run(reconcile_pending_payments)} payment(s) updated")


@payments_app.command("deliver-sandbox-events")
def deliver_sandbox_events() -> None:
    """Sign and (re-)deliver the sandbox's pending events through the webhook path."""
    from mercato.payments.service import deliver_sandbox_events as deliver

    typer.echo(f"{_run(lambda c: deliver(c))} event(s) delivered")


def register(app: typer.Typer) -> None:
    app.add_typer(payments_app, name="payments")
