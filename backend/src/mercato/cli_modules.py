"""Registers each module's typer sub-app on the root CLI. Add one line per module."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach module command groups (users, demo, catalog, mail, tasks, worker, ...)."""
    from mercato.accounts import cli as accounts_cli
    from mercato.backups import cli as backups_cli
    from mercato.catalog import cli as catalog_cli
    from mercato.content import cli as content_cli
    from mercato.notifications import cli as notifications_cli
    from mercato.orders import cli as orders_cli
    from mercato.payments import cli as payments_cli
    from mercato.worker import cli as worker_cli

    accounts_cli.register(app)  # users create-admin|list
    catalog_cli.register(app)  # catalog import|export, demo seed
    worker_cli.register(app)  # worker, scheduler, tasks dead|replay
    notifications_cli.register(app)  # mail list|show
    payments_cli.register(app)  # payments reconcile|deliver-sandbox-events
    orders_cli.register(app)  # orders expire-unpaid, carts purge-expired|send-reminders
    content_cli.register(app)  # content import|export
    backups_cli.register(app)  # backup create|list|verify|restore|prune
