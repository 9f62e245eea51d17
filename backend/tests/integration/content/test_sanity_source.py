"""The shop on the Sanity source, against the fake query API on loopback: settings alone switch
the source; the SSRF guard needs the allow-list; an outage degrades, never breaks a product page;
a webhook makes an edit in Sanity visible at once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mercato.bootstrap import Container, build_container
from mercato.content.webhook import sign
from mercato.demo import content as demo
from mercato.main import create_app
from tests.conftest import make_settings
from tests.factories import auth_headers, create_product, create_user
from tests.fakes.sanity_server import FakeSanity, sanity_server

SECRET = "sanity-webhook-secret-0123456789abcdef-XYZ"


@pytest.fixture
def fake() -> Iterator[FakeSanity]:
    with sanity_server(demo.demo_dataset().documents) as server:
        yield server


@asynccontextmanager
async def shop(
    db_url: str,
    tmp_path: Path,
    fake: FakeSanity,
    *,
    allow: bool = True,
    breaker_reset_seconds: float = 0.2,
) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    settings = make_settings(
        db_url,
        tmp_path,
        content={
            "source": "sanity",
            "sanity_project_id": fake.project_id,
            "sanity_base_url": fake.url,
            "webhook_secret": SECRET,
        },
        outbound={
            "allowed_private_hosts": [f"127.0.0.1:{fake.port}"] if allow else [],
            "retries": 0,
            "breaker_failures": 2,
            "breaker_reset_seconds": breaker_reset_seconds,
        },
    )
    container = build_container(settings)
    app = create_app(settings, container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, container
    finally:
        await container.aclose()


async def test_served_from_sanity(db_url: str, tmp_path: Path, fake: FakeSanity) -> None:
    async with shop(db_url, tmp_path, fake) as (client, container):
        posts = (await client.get("/api/v1/content/posts", params={"limit": 3})).json()
        assert next(p["slug"] for p in posts["items"]) == "caring-for-linen"
        cover = posts["items"][0]["cover"]["url"]
        assert cover.startswith("https://cdn.sanity.io/images/fakeproj/production/")
        assert (await client.get("/api/v1/content/pages/faq")).status_code == 200
        await create_product(container, title="Studio Tweed Coat")
        product = (await client.get("/api/v1/products/studio-tweed-coat")).json()
        assert product["editorial"]["highlights"][0] == "Pure new wool tweed"
        staff = auth_headers(container, await create_user(container, role="staff"))
        write = await client.put(
            "/api/v1/admin/content/documents/page-x", json={"_type": "page"}, headers=staff
        )
        assert write.status_code == 409
        assert write.json()["code"] == "content_source_read_only"


async def test_the_ssrf_guard_refuses_loopback_without_the_allow_list(
    db_url: str, tmp_path: Path, fake: FakeSanity
) -> None:
    async with shop(db_url, tmp_path, fake, allow=False) as (client, _):
        response = await client.get("/api/v1/content/pages/about")
        assert response.status_code == 503
        assert response.json()["code"] == "content_unavailable"
    assert fake.requests == []  # refused before connecting


async def test_an_outage_degrades_and_recovers(
    db_url: str, tmp_path: Path, fake: FakeSanity
) -> None:
    # The breaker stays open long enough for a product page on a busy machine (0.2 s did not).
    async with shop(db_url, tmp_path, fake, breaker_reset_seconds=2.0) as (client, container):
        await create_product(container, title="Studio Tweed Coat")
        fake.status = 500
        assert (await client.get("/api/v1/content/pages/about")).status_code == 503
        assert (await client.get("/api/v1/content/pages/faq")).status_code == 503
        calls = len(fake.requests)
        product = await client.get("/api/v1/products/studio-tweed-coat")
        assert product.status_code == 200  # the page never fails because of the CMS
        assert product.json()["editorial"] is None
        assert len(fake.requests) == calls  # the breaker is open: no call went out
        fake.status = 200
        deadline = time.monotonic() + 10
        while (await client.get("/api/v1/content/pages/about")).status_code != 200:
            assert time.monotonic() < deadline, "the breaker never closed again"
            await asyncio.sleep(0.1)


async def test_a_webhook_makes_a_sanity_edit_visible(
    db_url: str, tmp_path: Path, fake: FakeSanity
) -> None:
    async with shop(db_url, tmp_path, fake) as (client, _):
        assert (await client.get("/api/v1/content/pages/about")).json()["title"] == "About us"
        about: dict[str, Any] = next(d for d in fake.documents if d["_id"] == "page-about")
        about["title"] = "About Mercato"
        assert (await client.get("/api/v1/content/pages/about")).json()["title"] == "About us"
        body = json.dumps(about, separators=(",", ":")).encode()
        delivered = await client.post(
            "/api/v1/content/sanity/webhook",
            content=body,
            headers={"sanity-webhook-signature": sign(body, SECRET)},
        )
        assert delivered.status_code == 200
        assert (await client.get("/api/v1/content/pages/about")).json()["title"] == "About Mercato"
