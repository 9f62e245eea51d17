"""JSON logs: one object per line, with the request id on every line of a request."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
import structlog
from fastapi import APIRouter

from mercato.main import create_app
from tests.conftest import make_settings


async def test_every_log_line_is_json_with_the_request_id(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(db_url, tmp_path, log_level="INFO"))
    router = APIRouter()

    @router.get("/log-something")
    async def log_something() -> dict[str, bool]:
        structlog.get_logger("mercato.test").info("structlog_line", card_number="4242")
        logging.getLogger("some.library").warning("stdlib line")
        return {"ok": True}

    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/log-something", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 200

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    ours = [line for line in lines if line.get("request_id") == "trace-42"]
    events = {line["message"] for line in ours}
    assert {"structlog_line", "stdlib line", "request"} <= events
    access = next(line for line in ours if line["message"] == "request")
    assert access["status"] == 200
    assert access["path"] == "/log-something"
    assert next(line for line in ours if line["message"] == "structlog_line")["card_number"] == (
        "[redacted]"
    )
