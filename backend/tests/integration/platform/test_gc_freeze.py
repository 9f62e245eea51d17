"""A served app moves what it holds after start-up out of the collector's way (gc.freeze), so
full collections stop pausing it; the test process (env test) does not, nothing leaks there."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from mercato.main import create_app
from tests.conftest import make_settings


@pytest.mark.parametrize(("env", "frozen"), [("development", True), ("test", False)])
async def test_start_up_freezes_the_heap_outside_tests(
    db_url: str, tmp_path: Path, env: str, frozen: bool
) -> None:
    gc.unfreeze()
    app = create_app(make_settings(db_url, tmp_path, env=env))
    try:
        async with app.router.lifespan_context(app):
            assert (gc.get_freeze_count() > 0) is frozen
    finally:
        gc.unfreeze()  # give the test process its objects back
