"""`mercato mail list`: the emails written by the file mailer."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import typer

from mercato.config import Settings

mail_app = typer.Typer(help="Emails (file mailer).", no_args_is_help=True)


@mail_app.command("list")
def mail_list(limit: int = typer.Option(50, min=1, help="Newest first.")) -> None:
    """List the .eml files in <data_dir>/mail: date, recipient, subject, file."""
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
        typer.echo(f"{message['Date']}  {message['To']}  {message['Subject']}  {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(mail_app, name="mail")
