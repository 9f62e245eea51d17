"""The storefront server's console (preloaded scripts/json-log.mjs, as serve.sh does) writes one
JSON object per line with the fields the Elasticsearch index template declares."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
PRELOAD = ROOT / "storefront" / "scripts" / "json-log.mjs"


def test_storefront_console_lines_are_json() -> None:
    node = shutil.which("node")
    assert node, "node is needed for the storefront"
    assert f"--import=$(pwd)/scripts/{PRELOAD.name}" in (PRELOAD.parent / "serve.sh").read_text()
    script = (
        'console.log("\\u001b[32m✓\\u001b[0m Ready in %dms", 42);'
        'console.warn("slow render of %s", "/products/x");'
        'console.error(new Error("boom"));'
    )
    env = {k: v for k, v in os.environ.items() if k != "MERCATO_LOG_JSON"}
    result = subprocess.run(
        [node, f"--import={PRELOAD}", "-e", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line]
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 3
    for entry in entries:
        assert entry["service"] == "storefront"
        assert entry["logger"] == "next"
        assert isinstance(entry["message"], str)
        datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
    assert [e["level"] for e in entries if "Ready" in e["message"]] == ["info"]
    assert entries[0]["message"] == "✓ Ready in 42ms"  # colours stripped
    assert {e["level"] for e in entries} == {"info", "warning", "error"}
    assert any("Error: boom" in e["message"] for e in entries)
    plain = subprocess.run(
        [node, f"--import={PRELOAD}", "-e", 'console.log("plain")'],
        env={**env, "MERCATO_LOG_JSON": "false"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert plain.stdout.strip() == "plain"
