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
    assert user is not None
    assert user.role == "admin"
    assert user.email_verified
    assert verify_password(user.password_hash, PASSWORD)

    listed = runner.invoke(app, ["users", "list"], env=_env(db_url, tmp_path))
    assert listed.exit_code == 0, listed.output
    assert "boss@example.com" in listed.output
    assert "admin" in listed.output


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
    assert user is not None
    assert user.role == "admin"
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
    assert user is not None
    assert user.role == "admin"


def _read_until(fd: int, seen: bytearray, marker: bytes, count: int = 1) -> None:
    """Read a pipe until `marker` has appeared `count` times."""
    import select
    import time

    deadline = time.monotonic() + 60
    while seen.count(marker) < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {marker!r} in {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, f"process ended before {marker!r}: {bytes(seen)!r}"
            seen += chunk


def test_on_a_terminal_the_password_is_asked_twice(db_url: str, tmp_path: Path) -> None:
    import pty

    mercato = Path(sys.executable).parent / "mercato"
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(mercato), "users", "create-admin", "tty@example.com"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # log lines share stderr with getpass's prompts, which this test counts: errors only
        env={**os.environ, **_env(db_url, tmp_path), "MERCATO_LOG_LEVEL": "ERROR"},
        start_new_session=True,  # no controlling terminal: getpass falls back to stdin (the pty)
    )
    os.close(terminal)
    assert process.stdout is not None
    assert process.stderr is not None
    prompts = bytearray()
    # getpass flushes input typed ahead, then writes its prompt (" ") to stderr and reads:
    # answer each prompt only once that has happened.
    try:
        _read_until(process.stderr.fileno(), prompts, b" ", 1)
        os.write(controller, f"{PASSWORD}\n".encode())
        _read_until(process.stderr.fileno(), prompts, b" ", 2)
        os.write(controller, f"{PASSWORD}\n".encode())
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    assert process.returncode == 0, stderr.decode()
    output = stdout.decode()
    assert "Password:" in output
    assert "Repeat for confirmation:" in output
    assert "created admin tty@example.com" in output
    assert PASSWORD not in output + stderr.decode()  # never echoed
    user = _load(db_url, tmp_path, "tty@example.com")
    assert user is not None
    assert verify_password(user.password_hash, PASSWORD)
