"""Run Alembic migrations programmatically (used by `mercato db upgrade`, `make run` and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from mercato.platform.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade(settings: Settings, revision: str = "heads") -> list[tuple[str, str]]:
    """Apply migrations; the (revision, title) of each one applied, in order."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    applied: list[tuple[str, str]] = []

    def on_version_apply(*, step: Any, **_: Any) -> None:
        if step.is_upgrade:
            applied.append((step.up_revision_id, (step.up_revision.doc or "").strip()))

    cfg = alembic_config(settings.effective_database_url)
    cfg.attributes["on_version_apply"] = on_version_apply
    command.upgrade(cfg, revision)
    return applied


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings.effective_database_url), revision)


def check(settings: Settings) -> None:
    """Raise if the models and the migrations disagree (`alembic check`)."""
    command.check(alembic_config(settings.effective_database_url))
