"""The same database served twice, the cache off: once as shipped, once with the edge's misses
switched off (every request through the router), to show the edge answers as the router does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from mercato.bootstrap import build_container
from mercato.catalog.fastpath import CatalogCacheAnswers
from mercato.main import create_app
from mercato.platform.edge import Edge
from tests.conftest import make_settings


@asynccontextmanager
async def shipped_and_routed(
    db_url: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """(a client of the app as shipped, a client of the app whose router computes every miss)."""
    settings = make_settings(db_url, tmp_path, catalog={"cache_enabled": False})
    uncached = build_container(settings)  # the same database
    shipped, full = create_app(settings, uncached), create_app(settings, uncached)
    assert isinstance(full.edge, Edge)
    answers = full.edge.responder  # the edge's and the inner fast path's, shared
    assert isinstance(answers, CatalogCacheAnswers)
    answers._misses = ()  # the router computes every miss
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        for app in (shipped, full)
    ]
    try:
        yield clients[0], clients[1]
    finally:
        for client in clients:
            await client.aclose()
        await uncached.aclose()


async def assert_answered_alike(
    shipped: httpx.AsyncClient, routed: httpx.AsyncClient, url: str
) -> None:
    """The same status (never a 5xx), and the same body or problem code."""
    edge, router = [await client.get(url) for client in (shipped, routed)]
    assert edge.status_code == router.status_code, url
    assert edge.status_code < 500, url
    if edge.status_code == 200:
        assert edge.content == router.content, url
    else:
        assert edge.json()["code"] == router.json()["code"], url
