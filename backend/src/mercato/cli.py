"""The `mercato` command line. Each module contributes a sub-command group."""

from __future__ import annotations

from pathlib import Path

import typer

from mercato.config import Settings

app = typer.Typer(help="Mercato e-commerce platform.", no_args_is_help=True)


def load_settings() -> Settings:
    """Settings from the environment, or a clear message and exit code 2 when they are invalid."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  - {'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in exc.errors()
        ]
        typer.echo("Invalid configuration:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from None


db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Number of API processes."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    settings = load_settings()  # fail fast on bad configuration
    uvicorn.run(
        "mercato.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=",".join(settings.trusted_proxies),
        log_config=None,
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from mercato import migrate

    migrate.upgrade(load_settings(), revision)
    typer.echo("database is up to date")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
) -> None:
    """Revert migrations down to REVISION."""
    from mercato import migrate

    migrate.downgrade(load_settings(), revision)
    typer.echo(f"database downgraded to {revision}")


@db_app.command("check")
def db_check() -> None:
    """Fail if the ORM models and the migrations have drifted apart."""
    from mercato import migrate

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
    from mercato.cli_modules import register

    register(app)


_register_module_commands()


def main() -> None:
    """Console entry point: the CLI, with a clear message when the schema is missing."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

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
        raise
