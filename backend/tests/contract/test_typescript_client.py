"""The storefront's TypeScript client, generated from our OpenAPI document, type-checks.

`ts/` pins openapi-typescript, openapi-fetch and TypeScript (package-lock.json, `npm ci`). The
test writes the document (`mercato openapi`'s code path), generates `generated/api.d.ts` and runs
`tsc --strict` on `ts/program.ts`, which reads a checkout 409's `code`, relies on the required
Idempotency-Key and If-Match headers and on the `{items, next_cursor}` list shape. A second run
on a weakened document proves the check can fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mercato.openapi import document

TS_DIR = Path(__file__).parent / "ts"

pytestmark = pytest.mark.skipif(
    shutil.which("npm") is None and not os.environ.get("CI"),
    reason="node/npm not installed (CI has them and fails instead)",
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=TS_DIR, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def toolchain() -> None:
    if not (TS_DIR / "node_modules" / ".bin" / "tsc").exists():
        installed = _run("npm", "ci", "--no-audit", "--no-fund")
        assert installed.returncode == 0, installed.stderr


def _typecheck(spec: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    (TS_DIR / "openapi.json").write_text(json.dumps(spec, indent=2, sort_keys=True))
    generated = _run(
        "npx",
        "--no-install",
        "openapi-typescript",
        "openapi.json",
        "--output",
        "generated/api.d.ts",
    )
    assert generated.returncode == 0, generated.stderr
    return _run("npx", "--no-install", "tsc", "--project", "tsconfig.json")


def test_generated_client_type_checks(toolchain: None) -> None:
    checked = _typecheck(document())
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_weaker_document_fails_the_check(toolchain: None) -> None:
    """An optional Idempotency-Key and an untyped 409 body are caught by the compiler."""
    spec = document()
    checkout = spec["paths"]["/api/v1/checkout"]["post"]
    for param in checkout["parameters"]:
        param["required"] = False
    checkout["responses"]["409"].pop("content")
    checked = _typecheck(spec)
    assert checked.returncode != 0
    assert "Unused '@ts-expect-error' directive" in checked.stdout
