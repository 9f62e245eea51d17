"""Run Alembic migrations programmatically (used by `mercato db upgrade`, `make run` and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from mercato.platform.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


class RevisionError(Exception):
    """A target revision Alembic refused, or a migration that cannot run on this database's
    data; the message is one line for the operator."""


class MigrationRefused(Exception):
    """Raised by a migration that would lose or break data as things stand (e.g. SKUs differing
    only by case before their unique index): nothing of it was applied; the message says what
    to change first."""


def _revision_problem(cfg: Config, revision: str, exc: CommandError) -> str:
    revisions = [script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()]
    known = f"{revisions[-1]}..{revisions[0]}, base, heads, -N / +N" if revisions else "none"
    if "Can't locate revision" in str(exc) or "No such revision" in str(exc):
        return f"no revision {revision!r} (known: {known})"
    return f"cannot migrate to {revision!r}: {str(exc).splitlines()[0]} (known: {known})"


def _migrate(settings: Settings, revision: str, upgrading: bool) -> list[tuple[str, str]]:
    """Migrate up or down to `revision`; the (revision, title) of each one applied or reverted."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[str, str]] = []

    def on_version_apply(*, step: Any, **_: Any) -> None:
        if step.is_upgrade == upgrading:
            steps.append((step.up_revision_id, (step.up_revision.doc or "").strip()))

    cfg = alembic_config(settings.effective_database_url)
    cfg.attributes["on_version_apply"] = on_version_apply
    try:
        (command.upgrade if upgrading else command.downgrade)(cfg, revision)
    except CommandError as exc:
        raise RevisionError(_revision_problem(cfg, revision, exc)) from None
    except MigrationRefused as exc:
        raise RevisionError(str(exc)) from None
    return steps


def upgrade(settings: Settings, revision: str = "heads") -> list[tuple[str, str]]:
    """Apply migrations; the (revision, title) of each one applied, in order."""
    return _migrate(settings, revision, upgrading=True)


def downgrade(settings: Settings, revision: str) -> list[tuple[str, str]]:
    """Revert migrations; the (revision, title) of each one reverted, in order (the database is
    then at the revision before the last one: `revision_before`)."""
    return _migrate(settings, revision, upgrading=False)


def revision_before(settings: Settings, revision: str) -> str:
    """The revision `revision` follows ("base" for the first)."""
    script = ScriptDirectory.from_config(alembic_config(settings.effective_database_url))
    down = script.get_revision(revision).down_revision
    return down if isinstance(down, str) else "base"


def check(settings: Settings) -> None:
    """Raise if the models and the migrations disagree (`alembic check`)."""
    command.check(alembic_config(settings.effective_database_url))
