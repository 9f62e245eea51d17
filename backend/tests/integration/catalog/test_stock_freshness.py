"""A cached product page never shows stock that checkout has taken: after the checkout that takes
the last unit, the next read shows it sold out, on every API process (Redis) and with the
in-process cache; a reservation that does not sell out refreshes only that product's page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mercato.bootstrap import Container, build_container
from mercato.catalog import freshness
from mercato.catalog.freshness import StockFreshness
from mercato.main import create_app
from mercato.revalidation.service import STOCK_MOVED_KEY
from tests.conftest import make_settings
from tests.factories import create_product
from tests.integration.checkout.helpers import checkout, expect, ready_cart


def _client(container: Container) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(
        app=create_app(container.settings, container), raise_app_exceptions=False
    )
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture(params=["memory", "redis"])
async def instances(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Container, Container]]:
    """Two API processes on Redis (shared tags); one process on the in-process cache."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    settings = make_settings(db_url, tmp_path, redis_url=redis_url)
    first = build_container(settings)
    second = build_container(settings) if redis_url else first
    try:
        yield first, second
    finally:
        await first.aclose()
        if second is not first:
            await second.aclose()


def _variant(body: dict[str, object]) -> dict[str, object]:
    variants = body["variants"]
    assert isinstance(variants, list)
    return dict(variants[0])


async def test_the_checkout_that_takes_the_last_unit_shows_sold_out_on_the_next_read(
    instances: tuple[Container, Container],
) -> None:
    reader, buyer = instances
    product = await create_product(reader, title="Last Lamp", stock=2)
    await create_product(reader, title="Other Lamp", stock=5)
    sku = product.variants[0].sku
    async with _client(reader) as shop, _client(buyer) as till:
        # warm every cached view of it on the reading process
        for path in ("/api/v1/products/last-lamp", "/api/v1/products/other-lamp"):
            assert (await shop.get(path)).status_code == 200
            assert (await shop.get(path)).headers["x-cache"] == "HIT"
        listed = await shop.get("/api/v1/products", params={"q": "lamp"})
        assert (await shop.get("/api/v1/products", params={"q": "lamp"})).headers[
            "x-cache"
        ] == "HIT"
        assert {i["slug"]: i["in_stock"] for i in listed.json()["items"]} == {
            "last-lamp": True,
            "other-lamp": True,
        }

        # one of two sold: its page shows the new count at once; the other product stays cached
        expect(await checkout(till, await ready_cart(till, {sku: 1})), 201)
        page = await shop.get("/api/v1/products/last-lamp")
        assert page.headers["x-cache"] == "MISS"
        assert _variant(page.json())["available"] == 1
        assert page.json()["in_stock"] is True
        assert (await shop.get("/api/v1/products/other-lamp")).headers["x-cache"] == "HIT"
        still = await shop.get("/api/v1/products", params={"q": "lamp"})
        assert still.headers["x-cache"] == "HIT"  # nothing a list shows has changed

        # the last one: sold out on the next read, page and list alike
        expect(await checkout(till, await ready_cart(till, {sku: 1})), 201)
        page = await shop.get("/api/v1/products/last-lamp")
        assert page.json()["in_stock"] is False
        assert _variant(page.json())["available"] == 0
        assert _variant(page.json())["in_stock"] is False
        listed = await shop.get("/api/v1/products", params={"q": "lamp"})
        assert listed.headers["x-cache"] == "MISS"
        assert {i["slug"]: i["in_stock"] for i in listed.json()["items"]} == {
            "last-lamp": False,
            "other-lamp": True,
        }
        # and a third buyer is refused by checkout's reservation, the authority
        refused = await checkout(till, await ready_cart(till, {sku: 1}))
        assert refused.status_code == 409, refused.text
        assert (await shop.get("/api/v1/products/last-lamp")).json()["in_stock"] is False


async def test_slugs_noted_by_the_writer_are_not_looked_up_again(container: Container) -> None:
    """Checkout notes its products' slugs before it locks the stock rows; the before-commit hook
    looks up only the SKUs nobody noted."""
    noted = await create_product(container, skus=["NOTED-1"])
    other = await create_product(container, skus=["OTHER-1"])
    hook = StockFreshness(container.db, container.catalog_cache)
    async with container.db.session() as session:
        freshness.note_slugs(session, {"NOTED-1": "as-noted"})  # not its real slug, on purpose
        session.info[STOCK_MOVED_KEY] = {"NOTED-1": (3, 2), "OTHER-1": (1, 0)}
        await hook.before_commit(session)
        slugs = session.info.pop(freshness.MOVED_SLUGS_KEY)
        session.info.clear()
    assert slugs == {"as-noted", other.slug}
    assert noted.slug not in slugs
