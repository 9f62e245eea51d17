"""`mercato catalog import|export|cards` and `mercato demo seed`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

if TYPE_CHECKING:
    from mercato.platform.db import Database

catalog_app = typer.Typer(help="Catalog: bulk import and export.", no_args_is_help=True)


def progress_bar() -> object:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
        disable=not sys.stderr.isatty(),
    )


@catalog_app.command("import")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    format: str = typer.Option(None, "--format", help="csv or json (default: from the suffix)"),
    partial: bool = typer.Option(False, "--partial", help="write the valid rows, skip the rest"),
) -> None:
    """Import products from a CSV or JSON file (nothing is written if any row is invalid)."""
    from rich.console import Console
    from rich.progress import Progress

    from mercato.bootstrap import build_container
    from mercato.catalog import importer
    from mercato.platform.config import Settings

    kind = (format or file.suffix.lstrip(".")).lower()
    if kind not in ("csv", "json"):
        raise typer.BadParameter("use --format csv or --format json", param_hint="--format")
    console = Console(stderr=True)

    async def run() -> int:
        container = build_container(Settings())
        bar = progress_bar()
        assert isinstance(bar, Progress)
        try:
            with bar:
                task = bar.add_task("importing", total=None)

                def advance(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                report = await importer.import_bytes(
                    container,
                    file.read_bytes(),
                    kind=kind,
                    partial=partial,
                    actor="cli",
                    progress=advance,
                )
        finally:
            await container.aclose()
        for error in report.errors[:200]:
            where = f"row {error.row}" + (f", {error.field}" if error.field else "")
            console.print(f"[red]{where}[/red]: {error.message}")
        if len(report.errors) > 200:
            console.print(f"... and {len(report.errors) - 200} more errors")
        typer.echo(
            f"{report.total_rows} rows: {report.created} created, {report.updated} updated, "
            f"{report.skipped} skipped, {len(report.errors)} errors"
            + (
                f"; {report.categories_created} categories and "
                f"{report.collections_created} collections created"
                if report.categories_created or report.collections_created
                else ""
            )
            + ("" if report.written or not report.errors else "; nothing was written")
        )
        return 0 if not report.errors else 1

    raise typer.Exit(asyncio.run(run()))


@catalog_app.command("export")
def export_command(
    format: str = typer.Option("csv", "--format", help="csv or json"),
    output: Path = typer.Option(None, "--output", "-o", help="file (default: stdout)"),
) -> None:
    """Export every product (CSV: one row per variant; JSON: one object per product)."""
    from mercato.bootstrap import build_container
    from mercato.catalog import importer
    from mercato.platform.config import Settings

    if format not in ("csv", "json"):
        raise typer.BadParameter("use csv or json", param_hint="--format")
    kind: Literal["csv", "json"] = "csv" if format == "csv" else "json"

    async def run() -> bytes:
        container = build_container(Settings())
        try:
            async with container.db.session(write=False) as session:
                return await importer.export(session, kind=kind)
        finally:
            await container.aclose()

    data = asyncio.run(run())
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        typer.echo(f"wrote {len(data)} bytes to {output}", err=True)


async def store_cards_showing_progress(db: Database, currency: str) -> int:
    """`cards.store_all` with a progress bar (on a terminal); the number of cards stored."""
    from rich.progress import Progress

    from mercato.catalog import cards

    bar = progress_bar()
    assert isinstance(bar, Progress)
    with bar:
        task = bar.add_task("storing product cards", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return await cards.store_all(db, currency, advance)


@catalog_app.command("cards")
def cards_command() -> None:
    """Store every product's card again (lists and search read them; after an upgrade from a
    version without stored cards, or a change of MERCATO_CATALOG__CURRENCY)."""
    from mercato.bootstrap import build_container
    from mercato.platform.config import Settings

    async def run() -> int:
        settings = Settings()
        container = build_container(settings)
        try:
            stored = await store_cards_showing_progress(container.db, settings.catalog.currency)
            await container.catalog_cache.invalidate(("products", "listings"))
        finally:
            await container.aclose()
        return stored

    typer.echo(f"stored {asyncio.run(run())} product cards")


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
