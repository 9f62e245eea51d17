"""Product cards: what a list, a search result, a collection page and "related products" show
of each product, read for a whole page in ONE statement and returned as JSON-ready dicts.

A card is the product's own columns plus four things from other rows, each a correlated lookup
by primary or indexed key: its first image, its category, its highest compare-at price and
whether any active variant has stock. Nothing is stored twice, so no write can leave a card
stale (ADR 0049): a checkout that takes the last unit shows on the next read. The dicts have
exactly `schemas.ProductSummary`'s shape and field order; the hot paths serialise them with
orjson (`dump`) instead of building pydantic models (docs/benchmarks.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Select, bindparam, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from mercato.catalog.models import Category, Product, ProductImage, Variant
from mercato.inventory import service as inventory
from mercato.platform.db import UuidText

Card = dict[str, Any]


@cache
def _statement() -> Select[*tuple[Any, ...]]:
    """The cards of the products whose ids are bound to `ids` (in no particular order)."""
    return _card_columns().where(Product.id.in_(bindparam("ids", expanding=True)))


@cache
def _card_columns() -> Select[*tuple[Any, ...]]:
    first_image = (
        select(ProductImage.id)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)  # not the outer query's `catalog_product_image`
        .scalar_subquery()
    )
    compare_at = (
        select(func.max(Variant.compare_at_price))
        .where(
            Variant.product_id == Product.id,
            Variant.is_active.is_(True),
            Variant.compare_at_price > Variant.price,
        )
        .correlate(Product)
        .scalar_subquery()
    )
    # `LIMIT 1` rather than EXISTS: PostgreSQL turns an EXISTS in the select list into a hashed
    # subplan over every variant and every stock row (~25 ms at 10,000 products).
    in_stock = (
        select(literal(True))
        .select_from(Variant)
        .where(
            Variant.product_id == Product.id,
            Variant.is_active.is_(True),
            inventory.has_stock(Variant.sku),
        )
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    return (
        select(
            type_coerce(Product.id, UuidText()).label("id"),
            Product.title,
            Product.slug,
            Product.brand,
            Product.price_min,
            Product.price_max,
            Product.created_at,
            type_coerce(Product.category_id, UuidText()).label("category_id"),
            Category.name.label("category_name"),
            Category.slug.label("category_slug"),
            compare_at.label("compare_at"),
            in_stock.label("in_stock"),
            ProductImage.url.label("image_url"),
            ProductImage.alt.label("image_alt"),
            ProductImage.position.label("image_position"),
            ProductImage.width.label("image_width"),
            ProductImage.height.label("image_height"),
        )
        .outerjoin(Category, Category.id == Product.category_id)
        .outerjoin(ProductImage, ProductImage.id == first_image)
    )


def _card(row: Any, currency: str) -> Card:
    # Unpacked by position (in `_card_columns`' order): a third cheaper than by attribute name.
    (
        product_id,
        title,
        slug,
        brand,
        price_min,
        price_max,
        created_at,
        category_id,
        category_name,
        category_slug,
        compare_at,
        in_stock,
        image_url,
        image_alt,
        image_position,
        image_width,
        image_height,
    ) = row
    return {
        "id": product_id,
        "title": title,
        "slug": slug,
        "brand": brand,
        "price": {"amount": price_min, "currency": currency},
        "price_max": {"amount": price_max, "currency": currency},
        "compare_at_price": ({"amount": compare_at, "currency": currency} if compare_at else None),
        "image": (
            {
                "url": image_url,
                "alt": image_alt,
                "position": image_position,
                "width": image_width,
                "height": image_height,
            }
            if image_url is not None
            else None
        ),
        "in_stock": bool(in_stock),
        "category": (
            {"id": category_id, "name": category_name, "slug": category_slug}
            if category_id is not None and category_slug is not None
            else None
        ),
        "created_at": created_at,
    }


async def cards(session: AsyncSession, ids: Sequence[uuid.UUID], currency: str) -> list[Card]:
    """The cards of `ids`, in that order; ids with no product are left out."""
    if not ids:
        return []
    rows = await session.execute(_statement(), {"ids": list(ids)})
    by_id = {row[0]: _card(row, currency) for row in rows}
    return [by_id[key] for key in map(str, ids) if key in by_id]


def statement_for(ids: Select[Any], *order_by: Any) -> Select[*tuple[Any, ...]]:
    """The cards of the products `ids` selects (`Product.id`, with its own ORDER BY and LIMIT),
    in `order_by`'s order. Build it once, with bind parameters, and run it with `cards_from`:
    building a statement this size costs more than running it."""
    return _card_columns().where(Product.id.in_(ids.scalar_subquery())).order_by(*order_by)


async def cards_from(
    session: AsyncSession | AsyncConnection,
    statement: Select[Any],
    params: dict[str, Any],
    currency: str,
) -> list[Card]:
    return [_card(row, currency) for row in await session.execute(statement, params)]


def dump(value: Any) -> bytes:
    """JSON as the API's pydantic models render it (UTC datetimes end in `Z`)."""
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)
