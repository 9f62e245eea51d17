"""CLI command groups: entry points, like the app factory, so they may reach the composition root.

Each module here registers its typer sub-app on the root CLI; add one line per group.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach module command groups (users, demo, catalog, mail, tasks, worker, ...)."""
    from mercato.commands import accounts as accounts_cli
    from mercato.commands import backups as backups_cli
    from mercato.commands import catalog as catalog_cli
    from mercato.commands import content as content_cli
    from mercato.commands import demo as demo_cli
    from mercato.commands import notifications as notifications_cli
    from mercato.commands import orders as orders_cli
    from mercato.commands import payments as payments_cli
    from mercato.worker import cli as worker_cli

    accounts_cli.register(app)  # users create-admin|list
    catalog_cli.register(app)  # catalog import|export
    demo_cli.register(app)  # demo seed
    worker_cli.register(app)  # worker, scheduler, tasks dead|replay
    notifications_cli.register(app)  # mail list|show
    payments_cli.register(app)  # payments reconcile|deliver-sandbox-events
    orders_cli.register(app)  # orders expire-unpaid, carts purge-expired|send-reminders
    content_cli.register(app)  # content import|export
    backups_cli.register(app)  # backup create|list|verify|restore|prune
