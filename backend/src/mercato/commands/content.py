"""`mercato content import FILE.ndjson|FILE.tar.gz` and `mercato content export`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import typer

content_app = typer.Typer(
    help="Content (local source): Sanity dataset import and export.", no_args_is_help=True
)


@content_app.command("import")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
) -> None:
    """Import a Sanity dataset export (.ndjson, or .tar.gz with images); documents with the
    same _id are replaced; nothing is written if any line is invalid."""
    from mercato.bootstrap import build_container
    from mercato.content import dataset, service
    from mercato.content.exceptions import InvalidImport
    from mercato.platform.config import Settings

    try:
        data = dataset.read(file.read_bytes(), dataset.kind_of(file.name))
    except InvalidImport as exc:
        typer.echo(f"{file}: {exc.detail}", err=True)
        raise typer.Exit(1) from exc

    async def run() -> None:
        container = build_container(Settings())
        try:
            await service.import_into(container, data, reason="import")
        finally:
            await container.aclose()

    asyncio.run(run())
    typer.echo(f"imported {len(data.documents)} documents and {len(data.assets)} images")


@content_app.command("export")
def export_command(
    output: Path = typer.Option(
        None, "--output", "-o", help="file: .ndjson, or .tar.gz with images (default: stdout)"
    ),
) -> None:
    """Export every document as a Sanity dataset export (`sanity dataset import` reads it)."""
    from mercato.bootstrap import build_container
    from mercato.content import dataset, service
    from mercato.content.exceptions import InvalidImport
    from mercato.content.providers.local import MEDIA_DIR
    from mercato.platform.config import Settings

    try:
        kind = dataset.kind_of(output.name) if output is not None else "ndjson"
    except InvalidImport as exc:
        raise typer.BadParameter(exc.detail, param_hint="--output") from exc

    async def run() -> bytes:
        container = build_container(Settings())
        try:
            async with container.db.session(write=False) as session:
                bodies = await service.export_bodies(session)

            def read_asset(name: str) -> bytes | None:
                path = container.media.local_path(f"{MEDIA_DIR}/{name}")
                return path.read_bytes() if path is not None else None

            if kind == "tar.gz":
                return dataset.write_archive(bodies, read_asset)
            return dataset.write_ndjson(bodies)
        finally:
            await container.aclose()

    data = asyncio.run(run())
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        typer.echo(f"wrote {len(data)} bytes to {output}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(content_app, name="content")
