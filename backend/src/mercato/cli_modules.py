"""Registers each module's typer sub-app on the root CLI. Add one line per module."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach module command groups (users, demo, catalog, mail, tasks, worker, ...)."""
    del app  # modules add `app.add_typer(...)` / `app.command(...)(...)` lines here
