"""The `mercato` command line. Each module contributes a sub-command group."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from mercato.platform.config import Settings

# Plain help (no rich panels): flags without `<bool>` noise, readable in any terminal or log.
app = typer.Typer(help="Mercato e-commerce platform.", no_args_is_help=True, rich_markup_mode=None)

# uvicorn kills a worker that does not answer its health check in time; a spawned worker first
# re-imports the CLI (~3 s on an idle machine), so 5 s (uvicorn's default) is too short under load.
WORKER_HEALTHCHECK_TIMEOUT_SECONDS = 60


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"mercato {version('mercato')}")
        raise typer.Exit()


_FALSE = ("0", "false", "no", "off", "f", "n")  # how pydantic reads a false boolean


@app.callback()
def _root(
    _version_flag: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Mercato e-commerce platform."""
    import os

    from mercato.platform.config import LOG_LEVELS
    from mercato.platform.logging import configure_logging

    # Until a long-running command (serve, worker, scheduler) sets up its own logs: on stderr
    # (WARNING unless MERCATO_LOG_LEVEL says otherwise), so a command's stdout (an export, a
    # document) is only its output. An unknown level is the settings' to refuse, in one line.
    level = os.environ.get("MERCATO_LOG_LEVEL", "").upper()
    configure_logging(
        level if level in LOG_LEVELS else "WARNING",
        json=os.environ.get("MERCATO_LOG_JSON", "true").lower() not in _FALSE,
        service="cli",
        stream="stderr",
    )


def load_settings() -> Settings:
    """Settings from the environment, with their data directory created, or one line per problem
    and exit code 2."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from mercato.cli_errors import explain

    try:
        settings = Settings()
    except (ValidationError, SettingsError) as exc:
        typer.echo(explain(exc), err=True)
        raise typer.Exit(2) from None
    ensure_data_dir(settings)
    return settings


def ensure_data_dir(settings: Settings) -> None:
    """Create the data directory, or one line naming MERCATO_DATA_DIR and exit code 2."""
    from mercato.cli_errors import data_dir_line

    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied", str(path))
    except OSError as exc:
        typer.echo(data_dir_line(path, exc), err=True)
        raise typer.Exit(2) from None


def check_database(
    settings: Settings, query: str = "SELECT version_num FROM alembic_version"
) -> None:
    """Connect once and run `query` (default: read the schema version): a wrong URL or schema
    fails here, in one line (`main`), before a long-running command starts."""
    import asyncio

    from sqlalchemy import pool, text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def check() -> None:
        engine = create_async_engine(settings.effective_database_url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text(query))
        finally:
            await engine.dispose()

    asyncio.run(check())


db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="MERCATO_HOST", help="Interface to bind."),
    port: int = typer.Option(
        8000, min=1, max=65535, envvar="MERCATO_PORT", help="Port to listen on."
    ),
    workers: int | None = typer.Option(
        None,
        min=1,
        help="Number of API processes. Default: one per CPU core (at most 4) on PostgreSQL with "
        "Redis, the production setup; 1 otherwise (SQLite has one writer; an in-process cache "
        "and rate limiter are per process).",
    ),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Serve the API with uvicorn."""
    import structlog
    import uvicorn

    from mercato.bootstrap import API_PROCESSES_ENV
    from mercato.platform.lifeline import SERVE_PID_ENV
    from mercato.platform.logging import configure_logging
    from mercato.platform.portcheck import port_problem
    from mercato.platform.serving import HTTP_PROTOCOL

    settings = load_settings()  # fail fast on bad configuration
    if workers is None:
        workers = 1 if reload else default_api_workers(settings)
    if problem := port_problem(host, port):
        typer.echo(problem, err=True)
        raise typer.Exit(1)
    check_database(settings)
    os.environ[API_PROCESSES_ENV] = str(workers)  # each one's share of a flash sale
    os.environ[SERVE_PID_ENV] = str(os.getpid())  # its worker processes exit with it
    if workers > 1:
        # several API processes: each writes its samples to files, /metrics sums them (ADR 0035)
        from mercato.platform.metrics import enable_multiprocess

        enable_multiprocess(settings.data_dir, "api")
    # the parent process logs too (workers started, replaced, stopped), not only the workers
    configure_logging(settings.log_level, json=settings.log_json, service="api")
    structlog.get_logger("mercato.serve").info(
        "api_starting", url=f"http://{host}:{port}", workers=workers, env=settings.env
    )
    uvicorn.run(
        "mercato.main:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=",".join(settings.trusted_proxies),
        log_config=None,
        access_log=False,
        server_header=False,  # no `Server: uvicorn`: the software is nobody's business
        http=HTTP_PROTOCOL,  # one socket write per response (ADR 0052)
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT_SECONDS,
    )


def default_api_workers(settings: Settings) -> int:
    """Several API processes where they share everything they hold (PostgreSQL and Redis): one
    per CPU this process may use (a container's quota included), at most 4."""
    from mercato.platform.cpus import usable_cpus

    shared = settings.effective_database_url.startswith("postgresql") and bool(settings.redis_url)
    return min(usable_cpus(), 4) if shared else 1


def _migrate(settings: Settings, revision: str, upgrading: bool) -> list[tuple[str, str]]:
    from mercato.platform import migrate

    try:
        if upgrading:
            return migrate.upgrade(settings, revision)
        return migrate.downgrade(settings, revision)
    except migrate.RevisionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = load_settings()
    applied = _migrate(settings, revision, upgrading=True)
    for rev, title in applied:
        typer.echo(f"applied {rev}: {title}")
    if applied or revision in ("head", "heads"):
        typer.echo(f"database is up to date ({len(applied)} migration(s) applied)")
    else:  # an older target than the database's revision is a downgrade's job
        typer.echo(
            f"nothing to apply: the database is already at or past {revision} "
            f"(`mercato db downgrade {revision}` goes back to it)"
        )
    if any(rev == CARDS_REVISION for rev, _ in applied):
        stored = _store_product_cards(settings)
        if stored:
            typer.echo(f"stored {stored} product cards")


CARDS_REVISION = "0009"  # the migration that created the stored product cards (ADR 0055)


def _store_product_cards(settings: Settings) -> int:
    """An upgrade from a version without stored cards stores every product's card at once, as
    `mercato catalog cards` does."""
    import asyncio

    from mercato.commands.catalog import store_cards_showing_progress
    from mercato.platform.db import Database

    async def run() -> int:
        db = Database.from_url(
            settings.effective_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        try:
            return await store_cards_showing_progress(db, settings.catalog.currency)
        finally:
            await db.dispose()

    return asyncio.run(run())


# ignore_unknown_options: `db downgrade -1` is a revision, not an option
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1, 0009 or base."),
    yes: bool = typer.Option(
        False,
        "--yes",
        "-y",
        help="Drop tables and columns that hold data without asking (required when not run "
        "from a terminal).",
    ),
) -> None:
    """Revert migrations down to REVISION, naming each one reverted. One that would drop tables
    or columns holding data asks first on a terminal, and is refused elsewhere without --yes."""
    from mercato.platform.migrate import revision_before

    settings = load_settings()
    if not yes:
        _confirm_data_loss(settings, revision)
    reverted = _migrate(settings, revision, upgrading=False)
    for rev, title in reverted:
        typer.echo(f"reverted {rev}: {title}")
    if not reverted:
        typer.echo("nothing to revert (0 migration(s) reverted)")
        return
    now = revision_before(settings, reverted[-1][0])
    typer.echo(f"database downgraded to {now} ({len(reverted)} migration(s) reverted)")


LOSSES_SHOWN = 5  # in the one-line refusal; the terminal's question lists them all


def _confirm_data_loss(settings: Settings, revision: str) -> None:
    """Ask on a terminal before a downgrade that deletes data; refuse it elsewhere (one line,
    exit code 1) and say how to go on."""
    import sys

    from mercato.models import is_managed_table
    from mercato.platform import migrate

    try:
        losses = migrate.downgrade_losses(settings, revision, is_managed_table)
    except migrate.RevisionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    if not losses:
        return
    command = f"mercato db downgrade {revision}"
    tables = sum(loss.column is None for loss in losses)
    counts = [(tables, "table"), (len(losses) - tables, "column")]
    kinds = " and ".join(f"{n} {kind}{'s' if n != 1 else ''}" for n, kind in counts if n)
    if not sys.stdin.isatty():
        shown = ", ".join(str(loss) for loss in losses[:LOSSES_SHOWN])
        if len(losses) > LOSSES_SHOWN:
            shown += f" and {len(losses) - LOSSES_SHOWN} more"
        typer.echo(
            f"refused: `{command}` would drop {kinds} holding data: {shown}; "
            f"nothing was changed. Back up first (`mercato backup create`), then run "
            f"`{command} --yes`",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"`{command}` would drop {kinds} holding data:")
    for loss in losses:
        typer.echo(f"  {loss}")
    if not typer.confirm("Delete this data? Only a backup can bring it back", default=False):
        typer.echo("nothing was changed", err=True)
        raise typer.Exit(1)


@db_app.command("check")
def db_check() -> None:
    """Fail if the ORM models and the migrations have drifted apart."""
    from mercato.platform import migrate

    migrate.check(load_settings())
    typer.echo("no drift between models and migrations")


@app.command("openapi")
def openapi_document(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here, not stdout."),
) -> None:
    """Write the API's OpenAPI document as JSON (stable: sorted keys; no server, no database)."""
    import json

    from mercato.openapi import document

    text = json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


def _register_module_commands() -> None:
    """Sub-commands contributed by modules (kept in their own files)."""
    from mercato.commands import register

    register(app)


_register_module_commands()


def main() -> None:
    """Console entry point: the CLI, with a clear message when the schema is missing."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from mercato.cli_errors import explain

    try:
        app()
    except (OperationalError, ProgrammingError) as exc:
        text = str(exc.orig).lower()
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            typer.echo(
                "The database has no schema yet (or an old one): run `mercato db upgrade` first.",
                err=True,
            )
            raise SystemExit(2) from None
        if message := explain(exc):
            typer.echo(message, err=True)
            raise SystemExit(2) from None
        raise
    except Exception as exc:
        if message := explain(exc):
            typer.echo(message, err=True)
            raise SystemExit(2) from None
        raise
