"""deploy/prometheus: promtool (Debian's prometheus package) accepts the config and the rules, and
every alert has unit tests (`promtool test rules`) that pass."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROMETHEUS = Path(__file__).resolve().parents[4] / "deploy" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert shutil.which("promtool"), "run `make prometheus` (Debian's prometheus package)"
    return subprocess.run(
        ["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args",
    [
        ("check", "config", "prometheus.yml"),
        ("check", "rules", "rules/mercato.yml"),
        ("test", "rules", "tests/mercato_test.yml"),
    ],
)
def test_promtool_accepts(args: tuple[str, ...]) -> None:
    result = promtool(*args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test() -> None:
    alerts = set(re.findall(r"- alert: (\w+)", (PROMETHEUS / "rules" / "mercato.yml").read_text()))
    tested = set(
        re.findall(r"alertname: (\w+)", (PROMETHEUS / "tests" / "mercato_test.yml").read_text())
    )
    assert len(alerts) >= 8
    assert alerts <= tested, f"alerts without a promtool test: {sorted(alerts - tested)}"
    required = {
        "MercatoHigh5xxRate",
        "MercatoSlowRequests",
        "MercatoQueueBacklog",
        "MercatoOutboxStale",
        "MercatoDeadLetters",
        "MercatoPaymentFailureSpike",
        "MercatoBackupTooOld",
        "MercatoBackupVerifyFailed",
    }
    assert required <= alerts
