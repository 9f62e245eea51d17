"""`mercato users create-admin` (CliRunner and a real process reading stdin) and `users list`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from mercato.accounts.models import User
from mercato.accounts.passwords import verify_password
from mercato.accounts.service import find_user_by_email
from mercato.bootstrap import build_container
from mercato.cli import app
from tests.conftest import make_settings
from tests.factories import create_user

PASSWORD = "admin passphrase 1"


def _env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "MERCATO_ENV": "test",
        "MERCATO_DATABASE_URL": db_url,
        "MERCATO_DATA_DIR": str(tmp_path / "var"),
        "MERCATO_LOG_LEVEL": "WARNING",
    }


def _load(db_url: str, tmp_path: Path, email: str) -> User | None:
    async def main() -> User | None:
        container = build_container(make_settings(db_url, tmp_path))
        try:
            async with container.db.session(write=False) as session:
                return await find_user_by_email(session, email)
        finally:
            await container.aclose()

    return asyncio.run(main())


def test_create_admin_reads_the_password_from_stdin(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["users", "create-admin", "Boss@Example.com"],
        input=PASSWORD + "\n",
        env=_env(db_url, tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert "created admin boss@example.com" in result.output
    user = _load(db_url, tmp_path, "boss@example.com")
    assert user is not None and user.role == "admin" and user.email_verified
    assert verify_password(user.password_hash, PASSWORD)

    listed = runner.invoke(app, ["users", "list"], env=_env(db_url, tmp_path))
    assert listed.exit_code == 0, listed.output
    assert "boss@example.com" in listed.output and "admin" in listed.output


def test_create_admin_refuses_bad_input_and_changes_nothing(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    short = runner.invoke(
        app, ["users", "create-admin", "a@example.com"], input="short\n", env=_env(db_url, tmp_path)
    )
    assert short.exit_code != 0
    assert "8 to 128" in short.output
    too_long = runner.invoke(
        app,
        ["users", "create-admin", "a@example.com"],
        input="x" * 129 + "\n",
        env=_env(db_url, tmp_path),
    )
    assert too_long.exit_code != 0
    bad_email = runner.invoke(
        app,
        ["users", "create-admin", "not-an-email"],
        input=PASSWORD + "\n",
        env=_env(db_url, tmp_path),
    )
    assert bad_email.exit_code != 0
    assert "not a valid email" in bad_email.output
    assert _load(db_url, tmp_path, "a@example.com") is None


def test_create_admin_promotes_an_existing_account(db_url: str, tmp_path: Path) -> None:
    async def seed() -> None:
        container = build_container(make_settings(db_url, tmp_path))
        try:
            await create_user(container, email="shopper@example.com", password="their own password")
        finally:
            await container.aclose()

    asyncio.run(seed())
    result = CliRunner().invoke(
        app, ["users", "create-admin", "shopper@example.com"], input="", env=_env(db_url, tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert "promoted to admin" in result.output
    user = _load(db_url, tmp_path, "shopper@example.com")
    assert user is not None and user.role == "admin"
    assert verify_password(user.password_hash, "their own password")


def test_console_script_reads_stdin_in_a_real_process(db_url: str, tmp_path: Path) -> None:
    mercato = Path(sys.executable).parent / "mercato"
    completed = subprocess.run(
        [str(mercato), "users", "create-admin", "ops@example.com"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, **_env(db_url, tmp_path)},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "created admin ops@example.com" in completed.stdout
    user = _load(db_url, tmp_path, "ops@example.com")
    assert user is not None and user.role == "admin"
