"""`mercato orders expire-unpaid`, `mercato carts purge-expired|send-reminders`.

The scheduler runs the same jobs periodically; these commands run them once (ops, cron).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import typer

from mercato.platform.config import Settings

if TYPE_CHECKING:  # the container (and all it imports) loads only when a command runs
    from mercato.bootstrap import Container

orders_app = typer.Typer(help="Orders: unpaid-order expiry.", no_args_is_help=True)
carts_app = typer.Typer(help="Carts: expiry and abandoned-cart reminders.", no_args_is_help=True)


def _run(job: Callable[[Container], Awaitable[int]]) -> int:
    from mercato.bootstrap import run_job

    return asyncio.run(run_job(Settings(), job))


@orders_app.command("expire-unpaid")
def expire_unpaid() -> None:
    """Cancel orders left pending_payment longer than MERCATO_ORDERS__UNPAID_TTL_MINUTES."""
    from mercato.orders.service import expire_unpaid_orders

    typer.echo(f"{_run(expire_unpaid_orders)} order(s) expired")


@carts_app.command("purge-expired")
def purge_expired() -> None:
    """Delete carts past their expiry."""
    from mercato.cart.service import purge_expired_carts

    typer.echo(f"{_run(purge_expired_carts)} cart(s) deleted")


@carts_app.command("send-reminders")
def send_reminders() -> None:
    """Record abandoned-cart reminders for opted-in customers (at most one per cart)."""
    from mercato.cart.service import send_abandoned_cart_reminders

    typer.echo(f"{_run(send_abandoned_cart_reminders)} reminder(s) recorded")


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders")
    app.add_typer(carts_app, name="carts")
