"""`mercato users create-admin EMAIL` and `mercato users list`."""

from __future__ import annotations

import asyncio
import sys

import typer
from pydantic import EmailStr, TypeAdapter, ValidationError

from mercato.platform.config import Settings

users_app = typer.Typer(
    help="User accounts: create the first admin, list users.", no_args_is_help=True
)


def _read_password() -> str:
    """Prompt twice on a terminal; otherwise read one line from stdin (scripts, CI)."""
    from mercato.accounts.passwords import validate_password
    from mercato.platform.errors import DomainError

    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        validate_password(password)
    except DomainError as exc:
        raise typer.BadParameter(exc.detail, param_hint="password") from exc
    return password


@users_app.command("create-admin")
def create_admin(email: str = typer.Argument(..., help="The admin's email address.")) -> None:
    """Create an admin account, or promote an existing account to admin."""
    from mercato.accounts import service
    from mercato.bootstrap import build_container
    from mercato.platform.errors import DomainError

    try:
        email = service.normalize_email(TypeAdapter(EmailStr).validate_python(email.strip()))
    except ValidationError as exc:
        message = f"{email!r} is not a valid email address"
        raise typer.BadParameter(message, param_hint="EMAIL") from exc

    async def main() -> tuple[bool, str]:
        container = build_container(Settings())
        try:
            async with container.db.session(write=False) as session:
                exists = await service.find_user_by_email(session, email) is not None
            password = None if exists else _read_password()
            user, created = await service.ensure_admin(container, email=email, password=password)
            return created, user.email
        finally:
            await container.aclose()

    try:
        created, stored = asyncio.run(main())
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    if created:
        typer.echo(f"created admin {stored}")
    else:
        typer.echo(f"{stored} already existed: promoted to admin (password unchanged)")


@users_app.command("list")
def list_users(
    limit: int = typer.Option(100, min=1, max=10_000, help="How many, newest first."),
) -> None:
    """List accounts (newest first)."""
    from rich.console import Console
    from rich.table import Table

    from mercato.accounts import service
    from mercato.bootstrap import build_container

    async def main() -> list[tuple[str, str, str, str, str]]:
        container = build_container(Settings())
        try:
            users = await service.list_users(container, limit=limit)
            return [
                (
                    u.email,
                    u.role,
                    "yes" if u.is_active else "no",
                    "yes" if u.email_verified else "no",
                    u.created_at.strftime("%Y-%m-%d %H:%M"),
                )
                for u in users
            ]
        finally:
            await container.aclose()

    table = Table("email", "role", "active", "verified", "created (UTC)")
    for row in asyncio.run(main()):
        table.add_row(*row)
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
