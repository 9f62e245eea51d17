"""The edge answers cached public reads in one pass, and they look exactly as if the whole
middleware stack had answered: the same headers, a request id, the access line, the metrics.
Whatever the edge cannot answer identically goes through the full stack."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from mercato.bootstrap import Container, build_container
from mercato.catalog import fastpath
from mercato.catalog.fastpath import CatalogCacheAnswers
from mercato.main import create_app
from mercato.platform.metrics import request_tally
from tests.conftest import make_settings
from tests.factories import create_product

LIST = "/api/v1/products?limit=24&facets=false"  # its misses: the router's (not the edge's)
PLAIN = "/api/v1/products?limit=24"  # computed by the edge on a miss (`PlainListMisses`)
ORIGIN = "https://shop.example"
PER_REQUEST = {"x-request-id", "x-cache", "date"}


@pytest.fixture
async def shop(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    settings = make_settings(db_url, tmp_path, log_level="INFO", cors_origins=[ORIGIN])
    container = build_container(settings)
    await create_product(container, title="Edge Lamp", stock=5, price=1500)
    app = create_app(settings, container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client, container
    finally:
        await container.aclose()


def _stable(headers: httpx.Headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in PER_REQUEST}


async def test_a_hit_carries_the_headers_the_full_stack_gives(
    shop: tuple[httpx.AsyncClient, Container],
) -> None:
    client, _ = shop
    miss = await client.get(LIST)  # computed by the router, through every middleware
    hit = await client.get(LIST)
    assert (miss.headers["x-cache"], hit.headers["x-cache"]) == ("MISS", "HIT")
    assert hit.content == miss.content
    assert _stable(hit.headers) == _stable(miss.headers)
    assert hit.headers["vary"] == "Accept-Encoding, Origin"
    assert hit.headers["x-content-type-options"] == "nosniff"
    assert hit.headers["x-frame-options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f]{32}", hit.headers["x-request-id"])
    assert hit.headers["x-request-id"] != miss.headers["x-request-id"]


async def test_a_hit_keeps_a_valid_request_id_and_replaces_an_invalid_one(
    shop: tuple[httpx.AsyncClient, Container],
) -> None:
    client, _ = shop
    await client.get(LIST)
    kept = await client.get(LIST, headers={"X-Request-ID": "trace-7:a.b"})
    assert (kept.headers["x-cache"], kept.headers["x-request-id"]) == ("HIT", "trace-7:a.b")
    replaced = await client.get(LIST, headers={"X-Request-ID": "bad id <script>"})
    assert replaced.headers["x-cache"] == "HIT"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])


async def test_a_hit_writes_its_access_line(
    shop: tuple[httpx.AsyncClient, Container], capsys: pytest.CaptureFixture[str]
) -> None:
    client, _ = shop
    await client.get(LIST)
    capsys.readouterr()
    response = await client.get(LIST, headers={"X-Request-ID": "edge-line-1"})
    assert response.headers["x-cache"] == "HIT"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    (line,) = [line for line in lines if line.get("request_id") == "edge-line-1"]
    assert line["message"] == "request"
    assert line["logger"] == "mercato.access"
    assert line["level"] == "info"
    assert (line["method"], line["path"]) == ("GET", "/api/v1/products")
    assert line["route"] == "/api/v1/products"
    assert line["status"] == 200
    assert line["user_hash"] is None
    assert isinstance(line["duration_ms"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", line["timestamp"])


async def test_hits_are_counted_in_the_request_and_cache_metrics(
    shop: tuple[httpx.AsyncClient, Container],
) -> None:
    client, _ = shop

    def requests() -> float:
        request_tally.flush()  # the requests of this turn are recorded at its end
        labels = {"method": "GET", "route": "/api/v1/products", "status_class": "2xx"}
        return REGISTRY.get_sample_value("mercato_http_requests_total", labels) or 0.0

    def hits() -> float:
        labels = {"result": "hit"}
        return REGISTRY.get_sample_value("mercato_catalog_cache_requests_total", labels) or 0.0

    await client.get(LIST)
    before = (requests(), hits())
    for _ in range(3):
        assert (await client.get(LIST)).headers["x-cache"] == "HIT"
    assert (requests(), hits()) == (before[0] + 3, before[1] + 3)


async def test_a_revalidation_is_a_304_with_the_same_headers(
    shop: tuple[httpx.AsyncClient, Container],
) -> None:
    client, _ = shop
    first = await client.get(LIST)
    again = await client.get(LIST, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "x-request-id" in again.headers


async def test_cross_origin_hits_still_get_their_cors_headers(
    shop: tuple[httpx.AsyncClient, Container],
) -> None:
    client, _ = shop
    await client.get(LIST)
    allowed = await client.get(LIST, headers={"Origin": ORIGIN})
    assert allowed.headers["x-cache"] == "HIT"
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert allowed.headers["vary"] == "Accept-Encoding, Origin"
    refused = await client.get(LIST, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers


async def test_what_the_edge_leaves_alone_gets_the_full_stacks_answer(
    shop: tuple[httpx.AsyncClient, Container],
) -> None:
    client, _ = shop
    await client.get(LIST)
    head = await client.head(LIST)
    assert (head.status_code, head.content) == (200, b"")
    nul = await client.get("/api/v1/products?q=a%00b")
    assert nul.status_code == 422
    assert nul.json()["code"] == "invalid_text"
    assert "x-request-id" in nul.headers
    with_body = await client.request("GET", LIST, content=b"x" * 10)
    assert with_body.status_code == 200  # a GET body is ignored by every layer but the limit


async def test_the_reused_answer_goes_when_a_tag_is_bumped_or_after_a_second(
    shop: tuple[httpx.AsyncClient, Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, container = shop
    answers = CatalogCacheAnswers(container.catalog_cache, 0)
    assert await answers("/api/v1/products", b"limit=24", None) is None  # nothing cached yet
    client_app = create_app(container.settings, container)
    transport = httpx.ASGITransport(app=client_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get(PLAIN)
    first: Any = await answers("/api/v1/products", b"limit=24", None)
    assert first is not None
    assert first.status == 200
    assert await answers("/api/v1/products", b"limit=24", None) is first  # reused
    now = time.monotonic()
    monkeypatch.setattr(fastpath.time, "monotonic", lambda: now + fastpath.HOT_SECONDS + 0.1)
    later = await answers("/api/v1/products", b"limit=24", None)
    assert later is not None
    assert later is not first  # read from the cache again
    assert later.body == first.body
    await container.catalog_cache.invalidate({"products"})
    assert await answers("/api/v1/products", b"limit=24", None) is None  # recomputed by the router


async def test_with_redis_a_reused_answer_goes_when_another_process_bumps_a_tag(
    db_url: str, tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(db_url, tmp_path, redis_url=redis_url)
    reader, writer = build_container(settings), build_container(settings)
    try:
        await create_product(reader, title="Shared Lamp", stock=5, price=1500)
        answers = CatalogCacheAnswers(reader.catalog_cache, 0)
        transport = httpx.ASGITransport(app=create_app(settings, reader))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get(PLAIN)
        first = await answers("/api/v1/products", b"limit=24", None)
        assert first is not None
        assert await answers("/api/v1/products", b"limit=24", None) is first  # versions unchanged
        await writer.catalog_cache.invalidate({"listings"})  # another API process's write
        assert await answers("/api/v1/products", b"limit=24", None) is None
    finally:
        await reader.aclose()
        await writer.aclose()
