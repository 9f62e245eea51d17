"""A product page's cache miss is computed by the edge (`fastpath.ProductPageMisses`) when the
URL is exactly `/api/v1/products/<slug>`: the same bytes and headers as the router's, and
anything the edge does not take (a query string, a slug the API refuses, an unknown or draft
product) is answered by the full stack as before."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mercato.bootstrap import Container, build_container
from mercato.catalog.fastpath import CatalogCacheAnswers, ProductPageMisses
from mercato.main import create_app
from mercato.platform.edge import Edge
from tests.conftest import make_settings
from tests.factories import create_product
from tests.integration.catalog.twin_apps import assert_answered_alike

STABLE = {"x-request-id", "date"}


@pytest.fixture
async def lamps(container: Container) -> list[str]:
    """A product with several variants, a compare-at price and images, a related product in
    the same brand, one sold out, and a draft."""
    await create_product(
        container,
        title="Desk Lamp",
        price=3900,
        skus=["LAMP-S", "LAMP-M", "LAMP-L"],
        stock={"LAMP-S": 0, "LAMP-M": 2, "LAMP-L": 40},
        compare_at_price=4900,
        images=["/media/lamp-front.jpg", "/media/lamp-side.jpg"],
        brand="Lumen",
        description="A lamp for the desk.",
    )
    await create_product(container, title="Floor Lamp", price=8900, brand="Lumen", stock=0)
    await create_product(container, title="Draft Lamp", brand="Lumen", status="draft")
    return ["desk-lamp", "floor-lamp"]


def _taken(path: str, query: bytes = b"") -> bool:
    return ProductPageMisses(None).compute_for(path, query) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/products/desk-lamp", b"ref=mail"),
        ("/api/v1/products/Desk-Lamp", b""),
        ("/api/v1/products/desk--lamp", b""),
        ("/api/v1/products/desk-lamp/", b""),
        ("/api/v1/products/desk-lamp/reviews", b""),
        ("/api/v1/products/" + "a" * 301, b""),
        ("/api/v1/products/", b""),
        ("/api/v1/products", b""),
        ("/api/v1/collections/desk-lamp", b""),
    ],
)
def test_only_a_product_page_url_the_api_accepts_as_it_is_is_taken(path: str, query: bytes) -> None:
    assert not _taken(path, query)


def test_a_product_page_url_is_taken() -> None:
    assert _taken("/api/v1/products/desk-lamp")
    assert _taken("/api/v1/products/" + "a" * 300)


async def test_the_edge_computes_a_product_page_miss_as_the_full_stack_would(
    client: httpx.AsyncClient, container: Container, lamps: list[str]
) -> None:
    answers = CatalogCacheAnswers(container.catalog_cache, 0, ProductPageMisses(container))
    for slug in lamps:
        path = f"/api/v1/products/{slug}"
        answer = await answers(path, b"", None)
        assert answer is not None, slug
        # a query string sends the request through the router, which computes it again
        full = await client.get(path, params={"via": "router"})
        assert full.headers["x-cache"] == "MISS"
        assert (answer.status, answer.body) == (200, full.content)
        assert dict(answer.headers)[b"x-cache"] == b"MISS"
        assert dict(answer.headers)[b"etag"] == full.headers["etag"].encode()
        again = await answers(path, b"", None)
        assert again is not None
        assert dict(again.headers)[b"x-cache"] == b"HIT"
    assert await answers("/api/v1/products/no-such-lamp", b"", None) is None
    assert await answers("/api/v1/products/draft-lamp", b"", None) is None


async def test_a_product_page_miss_at_the_edge_has_the_full_stacks_headers(
    client: httpx.AsyncClient, lamps: list[str]
) -> None:
    edge = await client.get("/api/v1/products/desk-lamp")
    full = await client.get("/api/v1/products/desk-lamp", params={"via": "router"})
    assert (edge.headers["x-cache"], full.headers["x-cache"]) == ("MISS", "MISS")
    assert edge.content == full.content
    stable = {k: v for k, v in edge.headers.items() if k not in STABLE}
    assert stable == {k: v for k, v in full.headers.items() if k not in STABLE}
    page = edge.json()
    assert page["title"] == "Desk Lamp"
    assert [v["sku"] for v in page["variants"]] == ["LAMP-S", "LAMP-M", "LAMP-L"]
    not_modified = await client.get(
        "/api/v1/products/desk-lamp", headers={"If-None-Match": edge.headers["etag"]}
    )
    assert not_modified.status_code == 304


async def test_whatever_the_product_url_the_edge_answers_as_the_full_stack_does(
    db_url: str, tmp_path: Path, lamps: list[str]
) -> None:
    """The same database served twice, the cache off: once as shipped, once with the edge's
    misses switched off. Every answer the same: the status, and the body or the problem's
    code."""
    settings = make_settings(db_url, tmp_path, catalog={"cache_enabled": False})
    uncached = build_container(settings)
    shipped, full = create_app(settings, uncached), create_app(settings, uncached)
    assert isinstance(shipped.edge, Edge)
    assert isinstance(full.edge, Edge)
    shipped_answers = shipped.edge.responder
    assert isinstance(shipped_answers, CatalogCacheAnswers)
    assert any(isinstance(source, ProductPageMisses) for source in shipped_answers._misses)
    answers = full.edge.responder
    assert isinstance(answers, CatalogCacheAnswers)
    answers._misses = ()
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        for app in (shipped, full)
    ]
    paths = [
        "/api/v1/products/desk-lamp",
        "/api/v1/products/floor-lamp",
        "/api/v1/products/draft-lamp",
        "/api/v1/products/no-such-lamp",
        "/api/v1/products/Desk-Lamp",
        "/api/v1/products/desk%2Dlamp",
        "/api/v1/products/desk-lamp%0A",
        "/api/v1/products/desk%20lamp",
        "/api/v1/products/" + "a" * 301,
        "/api/v1/products/desk-lamp?utm_source=mail",
    ]
    try:
        for path in paths:
            await assert_answered_alike(clients[0], clients[1], path)
    finally:
        for client in clients:
            await client.aclose()
        await uncached.aclose()
