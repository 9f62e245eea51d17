"""`mercato backup create|list|verify|restore|prune`."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.progress import ProgressColumn, Task

    from mercato.backups.service import BackupInfo, BackupService

backup_app = typer.Typer(
    help="Encrypted backups: create, list, verify, restore, prune.", no_args_is_help=True
)
BACKUP_ID = typer.Argument("latest", help="A backup id from `mercato backup list`, or latest.")


def _took(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"


def _human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def _media(info: BackupInfo) -> str:
    if info.media_files is None:
        return "no media (format 1)"
    return f"{info.media_files} media files ({_human(info.media_bytes)})"


def size_column() -> ProgressColumn:
    """Bytes done of the total for a stage measured in bytes; nothing for a one-step stage (a
    dump, an upload), which would otherwise read "1/1 bytes"."""
    from rich.progress import DownloadColumn
    from rich.text import Text

    class SizeColumn(DownloadColumn):
        def render(self, task: Task) -> Text:
            return super().render(task) if task.fields.get("in_bytes") else Text("")

    return SizeColumn()


@contextlib.contextmanager
def _service() -> Iterator[BackupService]:
    """The service with rich progress bars on a terminal; a BackupError ends in one line."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TimeElapsedColumn,
    )

    from mercato.backups.exceptions import BackupError
    from mercato.backups.service import BackupService
    from mercato.cli import load_settings

    settings = load_settings()
    bar = Progress(
        SpinnerColumn(),
        "[progress.description]{task.description}",
        BarColumn(),
        size_column(),
        TimeElapsedColumn(),
        transient=False,
        disable=not sys.stderr.isatty(),
    )

    def stage(label: str, total: int | None) -> Callable[[int], None]:
        for previous in bar.tasks:  # the previous stage is over
            if not previous.finished:
                done = previous.completed or 1
                bar.update(previous.id, total=done, completed=done)
        task_id = bar.add_task(label, total=total, in_bytes=total is not None)
        return lambda n: bar.advance(task_id, n)

    try:
        with bar:
            yield BackupService(settings, progress=stage)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@backup_app.command("create")
def create_command() -> None:
    """Back up the database and the media files: compress, encrypt and store them, with a
    manifest."""
    from mercato.backups.exceptions import BackupError

    started = time.monotonic()
    with _service() as service:
        try:
            info = service.create()
        except BackupError as exc:
            with contextlib.suppress(Exception):
                service.record("create", ok=False, error=str(exc)[:500])
            raise
        service.record("create", ok=True)
    typer.echo(
        f"backup {info.id} created: {_human(info.size)}, {len(info.tables)} tables, "
        f"{info.total_rows} rows, {_media(info)}, in {service.storage.description} "
        f"({_took(started)})"
    )


@backup_app.command("list")
def list_command() -> None:
    """Show the stored backups, newest first."""
    from rich.console import Console
    from rich.table import Table

    with _service() as service:
        backups = service.backups()
    if not backups:
        typer.echo(f"no backups in {service.storage.description}")
        return
    table = Table(title=f"Backups in {service.storage.description}")
    columns = ("id", "created (UTC)", "database", "schema", "size", "rows", "media", "version")
    for column in columns:
        table.add_column(column, justify="right" if column in ("size", "rows", "media") else "left")
    for b in backups:
        table.add_row(
            b.id,
            f"{b.created_at:%Y-%m-%d %H:%M:%S}",
            b.db_kind,
            ",".join(b.schema_revisions) or "-",
            _human(b.size),
            str(b.total_rows),
            "-" if b.media_files is None else str(b.media_files),
            b.app_version,
        )
    Console(width=max(120, Console().width)).print(table)


@backup_app.command("verify")
def verify_command(backup_id: str = BACKUP_ID) -> None:
    """Restore a backup into a scratch database and directory; compare it with its manifest."""
    from mercato.backups.exceptions import BackupError

    started = time.monotonic()
    with _service() as service:
        try:
            result = service.verify(backup_id)
        except BackupError as exc:
            with contextlib.suppress(Exception):
                service.record("verify", ok=False, error=str(exc)[:500])
            raise
        service.record("verify", ok=True)
    typer.echo(
        f"backup {result.backup.id} verified: {result.tables_checked} tables, "
        f"{result.rows_checked} rows, {_media(result.backup)} match the manifest "
        f"({_took(started)})"
    )


def _confirm(question: str) -> None:
    """Ask; a "no" stops here, and so does no answer at all (stdin closed: a script or a
    service without a terminal), with one line saying how to go on. Nothing was changed."""
    try:
        answer = typer.confirm(question, default=False)
    except typer.Abort:  # end of input (or Ctrl-C) instead of an answer
        typer.echo("", err=True)
        typer.echo(
            "error: no answer to the question (no terminal?): nothing was restored; "
            "pass --yes to restore without asking",
            err=True,
        )
        raise typer.Exit(1) from None
    if not answer:
        typer.echo("nothing was restored", err=True)
        raise typer.Exit(1)


@backup_app.command("restore")
def restore_command(
    backup_id: str = BACKUP_ID,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(False, "--force", help="Overwrite a database that holds data."),
    media_only: bool = typer.Option(
        False, "--media-only", help="Replace the media files alone; the database is not touched."
    ),
) -> None:
    """Replace the database and media files with a backup, then apply newer migrations.
    Stop the shop first."""
    with _service() as service:
        ident = service.resolve(backup_id)
        replaced = (
            str(service.media_dir)
            if media_only
            else f"the content of {service.database.description} and {service.media_dir}"
        )
        if not yes:
            _confirm(f"Replace {replaced} with backup {ident}?")
        started = time.monotonic()
        info = service.restore(ident, force=force, media_only=media_only)
    if media_only:
        typer.echo(
            f"restored the media files of backup {info.id} ({_media(info)}) into "
            f"{service.media_dir}; the database was not touched ({_took(started)})"
        )
        return
    into = service.database.description
    if info.media_files is not None:
        into += f" and {service.media_dir}"
    typer.echo(
        f"restored backup {info.id} ({info.total_rows} rows, {_media(info)}) into {into}; "
        f"migrations applied ({_took(started)})"
    )


@backup_app.command("prune")
def prune_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show what would be deleted."),
) -> None:
    """Delete backups beyond the retention (MERCATO_BACKUP__KEEP_DAILY/WEEKLY/MONTHLY)."""
    with _service() as service:
        kept, deleted = service.prune(dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for backup in deleted:
        typer.echo(f"{verb} {backup.id}")
    typer.echo(f"{len(kept)} backup(s) kept, {len(deleted)} {'to delete' if dry_run else verb}")


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
