"""/metrics access control, /readyz latencies, and business counters that count only commits."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from mercato.bootstrap import Container
from mercato.main import create_app
from mercato.platform.metrics import ORDERS_PLACED
from mercato.platform.outbox import record_event
from tests.conftest import make_settings


async def _get(app: object, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path, headers=headers or {})


async def test_metrics_need_the_scraper_token_when_one_is_set(db_url: str, tmp_path: Path) -> None:
    token = "scrape-" + "x" * 40
    settings = make_settings(db_url, tmp_path, observability={"metrics_token": token})
    app = create_app(settings)
    try:
        refused = await _get(app, "/metrics")
        wrong = await _get(app, "/metrics", {"Authorization": "Bearer nope"})
        allowed = await _get(app, "/metrics", {"Authorization": f"Bearer {token}"})
    finally:
        await app.state.container.aclose()
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "metrics_unauthorized"
    assert wrong.status_code == 401
    assert allowed.status_code == 200
    assert "mercato_http_requests_total" in allowed.text


async def test_metrics_are_not_served_in_production_without_a_token(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    app = create_app(settings)
    settings.env = "production"  # after validation: only the /metrics rule matters here
    try:
        response = await _get(app, "/metrics")
        settings.observability.metrics_token = SecretStr("t" * 40)
        with_token = await _get(app, "/metrics", {"Authorization": "Bearer " + "t" * 40})
    finally:
        await app.state.container.aclose()
    assert response.status_code == 404
    assert "mercato_" not in response.text
    assert with_token.status_code == 200


async def test_readyz_gives_each_dependency_with_its_latency(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    for name in ("database", "cache", "broker"):
        dependency = body["dependencies"][name]
        assert dependency["status"] == "ok"
        assert isinstance(dependency["latency_ms"], float)
        assert dependency["latency_ms"] >= 0


async def test_business_counters_count_committed_events_only(container: Container) -> None:
    placed = ORDERS_PLACED.labels("XTS")
    before = placed._value.get()

    async def failing_checkout() -> None:
        async with container.db.session() as session:
            record_event(session, "OrderPlaced", {"currency": "XTS", "total": 100})
            raise RuntimeError("the checkout fails after recording its event")

    with pytest.raises(RuntimeError):
        await failing_checkout()
    assert placed._value.get() == before
    async with container.db.session() as session:
        record_event(session, "OrderPlaced", {"currency": "XTS", "total": 100})
        assert placed._value.get() == before  # not before the commit
    assert placed._value.get() == before + 1
