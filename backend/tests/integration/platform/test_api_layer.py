"""The API layer: health, readiness, request ids, security headers and problem+json errors."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from mercato.main import create_app
from mercato.platform.deps import SessionDep
from mercato.platform.outbox import OutboxEvent
from tests.conftest import make_settings

PROBLEM = "application/problem+json"


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_the_api_root_says_where_its_documentation_is(client: httpx.AsyncClient) -> None:
    """The README's "the API" link answers, and its links lead somewhere."""
    index = await client.get("/api/v1")
    assert index.status_code == 200, index.text
    body = index.json()
    assert body["name"] == "Mercato API"
    for link in (body["openapi"], body["docs"]):
        assert (await client.get(link)).status_code == 200, link


async def test_readyz_reports_every_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


async def test_readyz_names_the_failed_dependency(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path, redis_url="redis://127.0.0.1:1/0")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["checks"]["cache"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert "cache" in body["detail"]


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    hostile = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith<script>"})
    assert hostile.headers["x-request-id"] != "bad id\twith<script>"


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/api/v1/does-not-exist"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in response.headers


async def test_a_response_that_sets_no_cache_control_is_no_store(
    client: httpx.AsyncClient,
) -> None:
    """A guest's cart (and order, read with its token) has no Authorization header to keep it out
    of a shared cache: whatever sets no Cache-Control of its own is `no-store`."""
    created = await client.post("/api/v1/carts")
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    cart = await client.get(f"/api/v1/carts/{created.json()['id']}")
    assert cart.status_code == 200, cart.text
    assert cart.headers["cache-control"] == "no-store"
    for path in ("/healthz", "/api/v1/does-not-exist"):
        assert (await client.get(path)).headers["cache-control"] == "no-store", path
    # what says how it may be cached keeps it, and a 304 keeps the stored response's
    public = await client.get("/api/v1/shipping/countries")
    assert public.headers["cache-control"] == "public, max-age=300"
    products = await client.get("/api/v1/products")
    assert products.headers["cache-control"].startswith("public")
    again = await client.get(
        "/api/v1/products", headers={"If-None-Match": products.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"].startswith("public")


async def test_hsts_only_behind_tls(app: object) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://shop.example") as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_404_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["code"] == "not_found"
    assert body["type"].endswith("/not_found")
    assert body["instance"] == "/api/v1/nowhere"


async def test_405_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "method_not_allowed"


async def test_413_for_oversized_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/anything", content=b"x" * 2_000_000)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "payload_too_large"


async def test_413_for_oversized_chunked_body(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"y" * 65536

    response = await client.post("/api/v1/anything", content=chunks())
    assert response.status_code == 413


class Payload(BaseModel):
    quantity: int


class StoredEvent(BaseModel):
    event_type: str
    attempts: int = 0


def _router_with_failures() -> APIRouter:
    router = APIRouter()

    @router.post("/echo")
    async def echo(payload: Payload) -> dict[str, int]:
        return {"quantity": payload.quantity}

    @router.post("/store")
    async def store(payload: StoredEvent, session: SessionDep) -> dict[str, str]:
        event = OutboxEvent(
            event_type=payload.event_type, payload={}, publish_attempts=payload.attempts
        )
        session.add(event)
        await session.flush()
        return {"id": str(event.id)}

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return router


@pytest.fixture
async def failing_client(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(db_url, tmp_path))
    app.include_router(_router_with_failures(), prefix="/test")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_422_validation_problem(failing_client: httpx.AsyncClient) -> None:
    response = await failing_client.post("/test/echo", json={"quantity": "lots"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"] == ["body", "quantity"]
    assert "lots" not in response.text  # input is never echoed back


async def test_malformed_json_is_422_not_500(failing_client: httpx.AsyncClient) -> None:
    response = await failing_client.post(
        "/test/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_unhandled_error_is_500_problem_without_internals(
    failing_client: httpx.AsyncClient,
) -> None:
    response = await failing_client.get("/test/boom", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == "req-500"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


async def test_cors_allowlist(client: httpx.AsyncClient) -> None:
    allowed = await client.options(
        "/healthz",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers.get("access-control-allow-origin") == "http://localhost:3000"
    denied = await client.options(
        "/healthz",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in denied.headers


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = await client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Mercato API"
    docs = await client.get("/docs")
    assert docs.status_code == 200
    # Swagger UI comes from this server (a pinned package), never a CDN: /docs works offline.
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", docs.text), docs.text
    assets = re.findall(r"(?:src|href)=[\"'](/docs/assets/[^\"']+)", docs.text)
    assert len(assets) >= 2
    for asset in assets:
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert served.content
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200
    assert (await client.get("/redoc")).status_code == 404  # redoc would need a CDN


@pytest.mark.parametrize("broker", ["amqp", "redis"])
async def test_readyz_with_real_brokers(
    broker: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue(f"{broker}_url")
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", tmp_path, broker_url=url)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["broker"] == "ok"


async def test_readyz_reports_unreachable_broker(tmp_path: Path) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
        tmp_path,
        broker_url="amqp://guest:guest@127.0.0.1:1//",
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"


@pytest.mark.parametrize(
    ("payload", "sqlite_status"),
    [
        # NUL: refused before any database by UnstorableTextMiddleware (SQLite would store it)
        ({"event_type": "nul\u0000byte"}, 422),
        ({"event_type": "x", "attempts": 10**30}, 422),  # beyond 64-bit
        ({"event_type": "x", "attempts": 2**40}, 200),  # beyond PostgreSQL's int4
    ],
)
async def test_values_the_database_rejects_are_422_not_500(
    failing_client: httpx.AsyncClient,
    db_backend: str,
    payload: dict[str, object],
    sqlite_status: int,
) -> None:
    response = await failing_client.post("/test/store", json=payload)
    expected = sqlite_status if db_backend == "sqlite" else 422
    assert response.status_code == expected, response.text
    if expected == 422:
        assert response.json()["code"] in ("invalid_input", "invalid_text")


async def test_head_is_answered_like_get_without_a_body(client: httpx.AsyncClient) -> None:
    get = await client.get("/healthz")
    head = await client.head("/healthz")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["x-content-type-options"] == "nosniff"
    assert (await client.head("/api/v1/products")).status_code == 200
    assert (await client.head("/api/v1/nowhere")).status_code == 404
