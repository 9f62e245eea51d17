"""`queries.quick_product_page` (the edge's product page miss, its statements run straight on the
driver's connection through `Database.quick_raw`) gives the very page `product_page` gives
through SQLAlchemy, on both databases: breadcrumbs, collections, options, JSON columns, money,
stock, datetimes, an inactive variant, related cards stored or not."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import delete, update

from mercato.bootstrap import Container
from mercato.catalog import cards, queries, service
from mercato.catalog.exceptions import ProductNotFound
from mercato.catalog.models import Product, ProductCard, ProductImage, Variant
from mercato.catalog.schemas import ProductUpdate
from tests.integration.catalog.conftest import Shop

SLUGS = [
    "linen-shirt",
    "oxford-shirt",
    "flannel-shirt",
    "chino-trousers",
    "running-shoes",
    "leather-boots",
]


async def _pages(container: Container, slug: str) -> tuple[bytes, bytes]:
    db, currency = container.db, container.settings.catalog.currency
    quick = await queries.quick_product_page(db, currency, slug, 3)
    async with db.session(write=False) as session:
        full = await queries.product_page(session, currency, slug=slug, low_stock_threshold=3)
    return cards.dump(quick), cards.dump(full)


async def test_every_page_read_raw_equals_the_page_read_through_sqlalchemy(
    container: Container, shop: Shop
) -> None:
    linen = shop.products["Linen Shirt"]
    async with container.db.session() as session:
        await service.update_product(
            session,
            linen.id,
            ProductUpdate(tags=["linen"], attributes={"Material": "Linen", "Weight": 180}),
            expected_version=None,
        )
        await session.execute(
            update(Variant).where(Variant.sku == "LINSHI-M-BLUE").values(is_active=False)
        )
    for slug in SLUGS:
        quick, full = await _pages(container, slug)
        assert quick == full, slug
    page = await _pages_json(container, "linen-shirt")
    assert [c["slug"] for c in page["breadcrumbs"]] == ["clothing", "shirts"]
    assert page["collections"] == ["summer"]
    assert page["attributes"] == {"Material": "Linen", "Weight": 180}
    assert "LINSHI-M-BLUE" not in [v["sku"] for v in page["variants"]]
    assert {c["slug"] for c in page["related"]} == {"oxford-shirt", "flannel-shirt"}


async def _pages_json(container: Container, slug: str) -> dict[str, Any]:
    quick, full = await _pages(container, slug)
    assert quick == full
    return orjson.loads(quick)


async def test_related_products_without_a_stored_card_are_computed(
    container: Container, shop: Shop
) -> None:
    async with container.db.session() as session:
        await session.execute(delete(ProductCard))
    quick, full = await _pages(container, "linen-shirt")
    assert quick == full
    assert b"oxford-shirt" in quick


@pytest.mark.parametrize("slug", ["secret-draft-shirt", "no-such-shirt"])
async def test_a_draft_or_unknown_product_is_not_found(
    container: Container, shop: Shop, slug: str
) -> None:
    with pytest.raises(ProductNotFound):
        await queries.quick_product_page(container.db, "EUR", slug, 3)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_postgresql_reads_the_page_in_one_statement_as_its_parts_read_alone(
    container: Container, shop: Shop
) -> None:
    """PostgreSQL's page takes options, images, variants, breadcrumbs and related cards as JSON
    arrays within the product's statement: every page equals the page read part by part (types,
    order, related by category, brand or neither, a related card not stored, no images,
    unicode and empty values)."""
    linen, boots = shop.products["Linen Shirt"], shop.products["Leather Boots"]
    shoes = shop.products["Running Shoes"]
    async with container.db.session() as session:
        await service.update_product(
            session,
            linen.id,
            ProductUpdate(title="Linen Shirt — naïve “ö”", attributes={"Weight": 180}),
            expected_version=None,
        )
        await session.execute(
            update(Variant).where(Variant.sku == "LINSHI-M-BLUE").values(is_active=False)
        )
        await session.execute(
            update(Product).where(Product.id == boots.id).values(category_id=None)
        )
        await session.execute(  # related by neither category nor brand: any
            update(Product).where(Product.id == shoes.id).values(category_id=None, brand="")
        )
        await session.execute(delete(ProductCard).where(ProductCard.product_id == linen.id))
        session.add_all(
            ProductImage(product_id=linen.id, url=f"/media/{n}.jpg", alt=alt, position=pos)
            for n, (alt, pos) in enumerate([("Back", 2), ("Front “ö”", 1), ("", 1)])
        )
        session.add(ProductImage(product_id=linen.id, url="/media/w.jpg", width=800, height=600))
    for slug in SLUGS:
        async with container.db.session(write=False) as session:
            connection = await session.connection()
            rows, shown = queries._on_connection(connection, "EUR")
            pages = [
                cards.dump(await queries._page(rows, shown, one_trip, "EUR", True, slug, True, 3))
                for one_trip in (True, False)
            ]
        assert pages[0] == pages[1], slug
    page = orjson.loads(pages[0])
    assert page["breadcrumbs"] == []  # leather-boots, the last
    assert page["category"] is None
    linen_page = orjson.loads(
        cards.dump(await queries.quick_product_page(container.db, "EUR", "linen-shirt", 3))
    )
    images = linen_page["images"]
    assert [i["url"] for i in images][::3] == ["/media/w.jpg", "/media/0.jpg"]
    assert (images[0]["width"], images[0]["height"], images[1]["width"]) == (800, 600, None)
    assert linen_page["title"] == "Linen Shirt — naïve “ö”"
    assert "LINSHI-M-BLUE" not in [v["sku"] for v in linen_page["variants"]]
