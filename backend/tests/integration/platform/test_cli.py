"""The console script: clear messages instead of tracebacks for common mistakes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MERCATO = str(Path(sys.executable).parent / "mercato")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update({"MERCATO_DATA_DIR": str(tmp_path / "var"), "MERCATO_LOG_LEVEL": "ERROR"}, **extra)
    return env


def test_command_on_an_unmigrated_database_says_to_upgrade(tmp_path: Path) -> None:
    result = subprocess.run(
        [MERCATO, "orders", "expire-unpaid"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "run `mercato db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_then_the_command_works(tmp_path: Path) -> None:
    env = _env(tmp_path)
    upgrade = subprocess.run(
        [MERCATO, "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    result = subprocess.run(
        [MERCATO, "orders", "expire-unpaid"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "0 order(s) expired" in result.stdout


def test_invalid_configuration_is_reported_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [MERCATO, "db", "upgrade"],
        env=_env(tmp_path, MERCATO_ENV="production"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Invalid configuration" in result.stderr
    assert "Traceback" not in result.stderr
