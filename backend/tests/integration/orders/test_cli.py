"""The cart and order jobs from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercato.cli import app


def test_jobs_run_from_the_cli(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MERCATO_DATABASE_URL", db_url)
    monkeypatch.setenv("MERCATO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MERCATO_LOG_LEVEL", "WARNING")
    runner = CliRunner()
    for args, expected in [
        (["orders", "expire-unpaid"], "0 order(s) expired"),
        (["carts", "purge-expired"], "0 cart(s) deleted"),
        (["carts", "send-reminders"], "0 reminder(s) recorded"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert expected in result.output
