"""An admin write refreshes what it can change and nothing else: the product's own page always,
lists and search when a summary, filter or search field moved, the category tree when a count
may have. Other products' pages stay cached. Writes go through one API process and reads through
another (Redis, shared tags), or both through one process (in-process cache)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from tests.conftest import make_settings
from tests.factories import auth_headers, create_product, create_user

ADMIN = "/api/v1/admin"
ALPHA = "/api/v1/products/alpha-lamp"
BETA = "/api/v1/products/beta-lamp"
LIST = "/api/v1/products?limit=24"
CATEGORIES = "/api/v1/categories"
ANY_VERSION = {"If-Match": "*"}


def _client(container: Container) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(
        app=create_app(container.settings, container), raise_app_exceptions=False
    )
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture(params=["memory", "redis"])
async def shop(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path
) -> AsyncIterator[dict[str, Any]]:
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    settings = make_settings(db_url, tmp_path, redis_url=redis_url)
    reader = build_container(settings)
    writer = build_container(settings) if redis_url else reader
    alpha = await create_product(reader, title="Alpha Lamp", stock=30, price=1000)
    beta = await create_product(reader, title="Beta Lamp", stock=30, price=2000)
    staff = auth_headers(writer, await create_user(writer, role="staff"))
    try:
        async with _client(reader) as browse, _client(writer) as admin:
            yield {"browse": browse, "admin": admin, "staff": staff, "alpha": alpha, "beta": beta}
    finally:
        await reader.aclose()
        if writer is not reader:
            await writer.aclose()


async def _warm(browse: httpx.AsyncClient) -> None:
    for path in (ALPHA, BETA, LIST, CATEGORIES):
        assert (await browse.get(path)).status_code == 200
        assert (await browse.get(path)).headers["x-cache"] == "HIT", path


async def _cache(browse: httpx.AsyncClient, path: str) -> str:
    return (await browse.get(path)).headers["x-cache"]


def _summary(body: dict[str, Any], slug: str) -> dict[str, Any] | None:
    return next((item for item in body["items"] if item["slug"] == slug), None)


async def test_a_detail_only_edit_refreshes_that_page_alone(shop: dict[str, Any]) -> None:
    browse, admin, staff = shop["browse"], shop["admin"], shop["staff"]
    await _warm(browse)
    url = f"{ADMIN}/products/{shop['alpha'].id}"
    edit = {"seo_title": "The alpha lamp, hand-made", "attributes": {"Material": "Brass"}}
    assert (await admin.patch(url, json=edit, headers={**staff, **ANY_VERSION})).status_code == 200

    page = await browse.get(ALPHA)
    assert page.headers["x-cache"] == "MISS"
    assert page.json()["seo_title"] == "The alpha lamp, hand-made"
    assert page.json()["attributes"] == {"Material": "Brass"}
    assert [await _cache(browse, p) for p in (BETA, LIST, CATEGORIES)] == ["HIT"] * 3


async def test_a_price_change_refreshes_lists_and_pages_but_not_the_category_tree(
    shop: dict[str, Any],
) -> None:
    browse, admin, staff = shop["browse"], shop["admin"], shop["staff"]
    await _warm(browse)
    variant = shop["alpha"].variants[0]
    answer = await admin.patch(
        f"{ADMIN}/variants/{variant.id}",
        json={"price": {"amount": 1500, "currency": "EUR"}},
        headers={**staff, **ANY_VERSION},
    )
    assert answer.status_code == 200, answer.text

    listing = await browse.get(LIST)
    assert listing.headers["x-cache"] == "MISS"
    alpha = _summary(listing.json(), "alpha-lamp")
    assert alpha is not None
    assert alpha["price"]["amount"] == 1500
    assert (await browse.get(ALPHA)).json()["price"]["amount"] == 1500
    # another page may show this one among its related products
    assert await _cache(browse, BETA) == "MISS"
    assert await _cache(browse, CATEGORIES) == "HIT"


async def test_a_weight_change_is_not_shown_anywhere_but_its_page(shop: dict[str, Any]) -> None:
    browse, admin, staff = shop["browse"], shop["admin"], shop["staff"]
    await _warm(browse)
    variant = shop["alpha"].variants[0]
    answer = await admin.patch(
        f"{ADMIN}/variants/{variant.id}",
        json={"weight_grams": 900},
        headers={**staff, **ANY_VERSION},
    )
    assert answer.status_code == 200, answer.text
    assert await _cache(browse, ALPHA) == "MISS"
    assert [await _cache(browse, p) for p in (BETA, LIST, CATEGORIES)] == ["HIT"] * 3


async def test_archiving_refreshes_its_page_lists_and_the_category_counts(
    shop: dict[str, Any],
) -> None:
    browse, admin, staff = shop["browse"], shop["admin"], shop["staff"]
    await _warm(browse)
    url = f"{ADMIN}/products/{shop['alpha'].id}"
    answer = await admin.patch(url, json={"status": "archived"}, headers={**staff, **ANY_VERSION})
    assert answer.status_code == 200, answer.text

    assert (await browse.get(ALPHA)).status_code == 404
    listing = await browse.get(LIST)
    assert listing.headers["x-cache"] == "MISS"
    assert _summary(listing.json(), "alpha-lamp") is None
    assert await _cache(browse, CATEGORIES) == "MISS"


async def test_a_stock_adjustment_refreshes_lists_only_when_it_sells_out(
    shop: dict[str, Any],
) -> None:
    browse, admin, staff = shop["browse"], shop["admin"], shop["staff"]
    await _warm(browse)
    sku = shop["alpha"].variants[0].sku
    adjust = f"{ADMIN}/inventory/{sku}/adjustments"

    answer = await admin.post(adjust, json={"delta": -1, "reason": "damaged"}, headers=staff)
    assert answer.status_code == 200, answer.text
    page = await browse.get(ALPHA)
    assert page.headers["x-cache"] == "MISS"
    assert page.json()["available"] == 29
    assert [await _cache(browse, p) for p in (BETA, LIST, CATEGORIES)] == ["HIT"] * 3

    answer = await admin.post(adjust, json={"on_hand": 0, "reason": "stock take"}, headers=staff)
    assert answer.status_code == 200, answer.text
    listing = await browse.get(LIST)
    assert listing.headers["x-cache"] == "MISS"
    alpha = _summary(listing.json(), "alpha-lamp")
    assert alpha is not None
    assert alpha["in_stock"] is False
    assert (await browse.get(ALPHA)).json()["in_stock"] is False


async def test_a_new_category_and_a_new_description_refresh_the_tree_alone(
    shop: dict[str, Any],
) -> None:
    browse, admin, staff = shop["browse"], shop["admin"], shop["staff"]
    await _warm(browse)
    created = await admin.post(f"{ADMIN}/categories", json={"name": "Lamps"}, headers=staff)
    assert created.status_code == 201, created.text
    tree = await browse.get(CATEGORIES)
    assert tree.headers["x-cache"] == "MISS"
    assert "lamps" in json.dumps(tree.json())
    assert [await _cache(browse, p) for p in (ALPHA, BETA, LIST)] == ["HIT"] * 3

    url = f"{ADMIN}/categories/{created.json()['id']}"
    edit = {"description": "Light for every room."}
    assert (await admin.patch(url, json=edit, headers={**staff, **ANY_VERSION})).status_code == 200
    assert await _cache(browse, CATEGORIES) == "MISS"
    assert [await _cache(browse, p) for p in (ALPHA, BETA, LIST)] == ["HIT"] * 3

    assert (await admin.delete(url, headers={**staff, **ANY_VERSION})).status_code == 204
    assert "lamps" not in json.dumps((await browse.get(CATEGORIES)).json())
    assert [await _cache(browse, p) for p in (ALPHA, BETA, LIST)] == ["HIT"] * 3


async def test_renaming_a_category_refreshes_the_cards_that_name_it(shop: dict[str, Any]) -> None:
    browse, admin, staff = shop["browse"], shop["admin"], shop["staff"]
    created = await admin.post(f"{ADMIN}/categories", json={"name": "Lamps"}, headers=staff)
    category_id = created.json()["id"]
    move = {"category_id": category_id}
    url = f"{ADMIN}/products/{shop['alpha'].id}"
    assert (await admin.patch(url, json=move, headers={**staff, **ANY_VERSION})).status_code == 200
    await _warm(browse)

    rename = {"name": "Table lamps", "slug": "table-lamps"}
    answer = await admin.patch(
        f"{ADMIN}/categories/{category_id}", json=rename, headers={**staff, **ANY_VERSION}
    )
    assert answer.status_code == 200, answer.text
    listing = await browse.get(LIST)
    assert listing.headers["x-cache"] == "MISS"
    alpha = _summary(listing.json(), "alpha-lamp")
    assert alpha is not None
    assert alpha["category"]["name"] == "Table lamps"
    page = await browse.get(ALPHA)
    assert page.json()["category"]["slug"] == "table-lamps"
    assert await _cache(browse, CATEGORIES) == "MISS"


async def test_a_collections_title_refreshes_its_page_alone(shop: dict[str, Any]) -> None:
    browse, admin, staff = shop["browse"], shop["admin"], shop["staff"]
    body = {"title": "Evening", "slug": "evening", "product_ids": [str(shop["alpha"].id)]}
    created = await admin.post(f"{ADMIN}/collections", json=body, headers=staff)
    assert created.status_code == 201, created.text
    page_url = "/api/v1/collections/evening"
    filtered = "/api/v1/products?collection=evening"
    await _warm(browse)
    for path in (page_url, filtered):
        await browse.get(path)
        assert await _cache(browse, path) == "HIT"
    assert (await browse.get(ALPHA)).json()["collections"] == ["evening"]

    url = f"{ADMIN}/collections/{created.json()['id']}"
    edit = {"title": "Evening light"}
    assert (await admin.patch(url, json=edit, headers={**staff, **ANY_VERSION})).status_code == 200
    page = await browse.get(page_url)
    assert page.headers["x-cache"] == "MISS"
    assert page.json()["title"] == "Evening light"
    assert [await _cache(browse, p) for p in (ALPHA, BETA, LIST, filtered, CATEGORIES)] == [
        "HIT"
    ] * 5

    members = {"product_ids": [str(shop["alpha"].id), str(shop["beta"].id)]}
    answer = await admin.patch(url, json=members, headers={**staff, **ANY_VERSION})
    assert answer.status_code == 200, answer.text
    listing = await browse.get(filtered)
    assert listing.headers["x-cache"] == "MISS"
    assert {item["slug"] for item in listing.json()["items"]} == {"alpha-lamp", "beta-lamp"}
    assert (await browse.get(BETA)).json()["collections"] == ["evening"]

    assert (await admin.delete(url, headers={**staff, **ANY_VERSION})).status_code == 204
    assert (await browse.get(page_url)).status_code == 404
    assert (await browse.get(ALPHA)).json()["collections"] == []
    assert (await browse.get(filtered)).json()["items"] == []
