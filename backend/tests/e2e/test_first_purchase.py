"""docs/first-purchase.md stays true: its shell blocks run, in order, against a live API and worker
(temp data dir, free port) and end with a paid order and its email."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_run_script import ROOT, free_port, group_alive

WALKTHROUGH = ROOT / "docs" / "first-purchase.md"
MERCATO = str(Path(sys.executable).parent / "mercato")


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", markdown, flags=re.S | re.M)


@pytest.fixture
def live_shop(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update(
        MERCATO_DATA_DIR=str(tmp_path / "var"),
        MERCATO_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        MERCATO_LOG_JSON="false",
    )
    for args in (["db", "upgrade"], ["demo", "seed", "--products", "5"]):
        subprocess.run([MERCATO, *args], env=env, check=True, capture_output=True, timeout=300)
    logs = tmp_path / "processes.log"
    groups: list[int] = []
    with logs.open("w") as out:
        for args in (["serve", "--port", str(port)], ["worker", "--pool", "solo"]):
            proc = subprocess.Popen(
                [MERCATO, *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            groups.append(proc.pid)
    try:
        ready = subprocess.run(
            [
                sys.executable,
                "-m",
                "mercato.platform.portcheck",
                "wait",
                "300",
                f"http://127.0.0.1:{port}/readyz",
            ],
            check=False,
        )
        assert ready.returncode == 0, logs.read_text()
        yield {**env, "MERCATO_API": f"http://127.0.0.1:{port}", "LOGS": str(logs)}
    finally:
        for pgid in groups:
            if group_alive(pgid):
                os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while any(group_alive(p) for p in groups) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pgid in groups:
            if group_alive(pgid):
                os.killpg(pgid, signal.SIGKILL)


@pytest.mark.timeout(900)
def test_the_curl_walkthrough_buys_a_product(live_shop: dict[str, str]) -> None:
    blocks = shell_blocks(WALKTHROUGH.read_text())
    assert len(blocks) >= 8
    script = "set -euo pipefail\n" + "\n".join(blocks)
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,  # the walkthrough runs `.venv/bin/mercato` from the repository root
        env={**live_shop, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        result.stdout + result.stderr + Path(live_shop["LOGS"]).read_text()
    )
    out = result.stdout
    assert "\nsucceeded\n" in out  # the card was accepted
    order = re.search(r"^order (\S+) is (\w+)$", out, flags=re.M)
    assert order is not None, out
    assert order.group(2) == "paid", out
    number = re.search(r"^order (MC-\d+)$", out, flags=re.M)
    assert number is not None, out
    # `mail show` printed the newest email of that order decoded ("Payment for order … confirmed")
    assert re.search(rf"^Subject: .*{re.escape(number.group(1))}", out, flags=re.M), out
    assert f"/orders/{order.group(1)}?token=" in out.split("Links:")[-1]  # and its links
    # `mercato serve` does not name its server software (nginx in front hides its version too)
    for path in ("/healthz", "/api/v1/products", "/api/v1/nowhere"):
        served = httpx.get(live_shop["MERCATO_API"] + path, timeout=30)
        assert "server" not in served.headers, (path, served.headers)
