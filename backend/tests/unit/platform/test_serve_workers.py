"""`mercato serve` without --workers: several processes only where they share what they hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from mercato.cli import default_api_workers
from mercato.platform.cpus import usable_cpus
from tests.conftest import make_settings

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/shop"


@pytest.mark.parametrize(
    ("database_url", "redis_url", "expected"),
    [
        ("sqlite+aiosqlite:///var/shop.db", None, 1),  # one writer
        ("sqlite+aiosqlite:///var/shop.db", "redis://127.0.0.1:6379/0", 1),
        (PG, None, 1),  # an in-process cache and rate limiter would differ per process
        (PG, "redis://127.0.0.1:6379/0", min(usable_cpus(), 4)),
    ],
)
def test_default_api_workers(
    database_url: str, redis_url: str | None, expected: int, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, redis_url=redis_url)
    assert default_api_workers(settings) == expected
