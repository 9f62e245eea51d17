"""`mercato mail list|show`: the emails written by the file mailer."""

from __future__ import annotations

import html
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import typer

from mercato.platform.config import Settings

mail_app = typer.Typer(help="Emails (file mailer).", no_args_is_help=True)


@mail_app.command("list")
def mail_list(limit: int = typer.Option(50, min=1, help="Newest first.")) -> None:
    """List the .eml files in <data_dir>/mail: id, date, recipient, subject (newest first)."""
    from mercato.notifications.mailer import mail_dir

    directory = mail_dir(Settings())
    found = list(directory.glob("*.eml")) if directory.exists() else []
    files = sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    if not files:
        typer.echo(f"no emails in {directory}")
        return
    parser = BytesParser(policy=policy.default)
    for path in files:
        with path.open("rb") as fh:
            message = parser.parse(fh, headersonly=True)
        typer.echo(f"{path.stem}  {message['Date']}  {message['To']}  {message['Subject']}")


_LINK = re.compile(r"""https?://[^\s"'<>]+""")


def _find(directory: Path, ident: str) -> Path | None:
    candidate = Path(ident)
    if candidate.is_file():
        return candidate
    # a literal prefix of a file name: `*`, `[` or `/` in ID are characters, not a glob pattern
    found = directory.glob("*.eml") if directory.exists() else []
    matches = [path for path in found if ident and path.name.startswith(ident)]
    return matches[0] if len(matches) == 1 else None


@mail_app.command("show")
def mail_show(
    ident: str = typer.Argument(..., metavar="ID", help="The id from `mail list` (or a prefix)."),
) -> None:
    """Print one email decoded: headers, the text part and every link in it."""
    from mercato.notifications.mailer import mail_dir

    path = _find(mail_dir(Settings()), ident)
    if path is None:
        typer.echo(f"no single email matches {ident!r} (see `mercato mail list`)", err=True)
        raise typer.Exit(1)
    with path.open("rb") as fh:
        message = BytesParser(policy=policy.default).parse(fh)
    assert isinstance(message, EmailMessage)
    for header in ("Date", "From", "To", "Subject"):
        typer.echo(f"{header}: {message[header]}")
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    text = text_part.get_content() if text_part is not None else ""
    typer.echo("\n" + text.rstrip())
    html_text = html.unescape(html_part.get_content()) if html_part is not None else ""
    links = _LINK.findall(text) + _LINK.findall(html_text)
    if links:
        typer.echo("\nLinks:")
        for link in dict.fromkeys(link.rstrip(".,;)") for link in links):
            typer.echo(f"  {link}")


def register(app: typer.Typer) -> None:
    app.add_typer(mail_app, name="mail")
