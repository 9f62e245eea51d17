"""Product cards: what a list, a search result, a collection page and "related products" show
of each product, read for a whole page in ONE statement and returned as JSON-ready dicts.

A card is the product's own columns plus four things from other rows, each a correlated lookup
by primary or indexed key: its first image, its category, its highest compare-at price and
whether any active variant has stock (ADR 0049). The dicts have exactly
`schemas.ProductSummary`'s shape and field order; the hot paths serialise them with orjson
(`dump`) instead of building pydantic models (docs/benchmarks.md).

Stored cards (ADR 0055): each product's card is also kept as the JSON the API sends
(`catalog_product_card`), stored again by `CardKeeper` in every transaction that changes what
it shows, so that a page of cards is read without the lookups. A product whose stored card is
missing, or in another currency, gets its card computed as above.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    Insert,
    Select,
    Update,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from mercato.catalog.models import Category, Product, ProductCard, ProductImage, Variant
from mercato.inventory import service as inventory
from mercato.platform import card_marks
from mercato.platform.db import Database, UuidText, table_of
from mercato.revalidation.service import STOCK_MOVED_KEY

Card = dict[str, Any]
Shown = Card | orjson.Fragment  # a card computed here, or a stored one as it is
STORE_BATCH = 500  # cards computed and written per statement


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


@cache
def _stored_statement() -> Select[Any]:
    stored = table_of(ProductCard)
    return select(type_coerce(stored.c.product_id, UuidText()), stored.c.doc).where(
        stored.c.product_id.in_(bindparam("ids", expanding=True)),
        stored.c.currency == bindparam("currency"),
    )


async def cards(
    session: AsyncSession | AsyncConnection, ids: Sequence[uuid.UUID], currency: str
) -> list[Shown]:
    """The cards of `ids`, in that order (stored ones as they are, the others computed); ids
    with no product are left out."""
    if not ids:
        return []
    keys = [str(product_id) for product_id in ids]
    found: dict[str, Shown] = {
        key: orjson.Fragment(doc)
        for key, doc in await session.execute(
            _stored_statement(), {"ids": list(ids), "currency": currency}
        )
    }
    missing = [product_id for product_id, key in zip(ids, keys, strict=True) if key not in found]
    if missing:
        found.update((card["id"], card) for card in await computed(session, missing, currency))
    return [found[key] for key in keys if key in found]


def stored_page(*columns: Any, product: Any = Product) -> Select[Any]:
    """`SELECT <id as text>, <stored card or NULL>, *columns FROM catalog_product` with the
    stored card in `currency` (a bind parameter) left-joined: add the page's WHERE, ORDER BY and
    LIMIT, and read its rows with `shown`. `product`: an alias of `Product` to select from (a
    subquery within a statement on `Product`)."""
    stored = table_of(ProductCard)
    return (
        select(type_coerce(product.id, UuidText()), stored.c.doc, *columns)
        .select_from(product)
        .outerjoin(
            stored,
            and_(stored.c.product_id == product.id, stored.c.currency == bindparam("currency")),
        )
    )


async def shown(
    session: AsyncSession | AsyncConnection, rows: Sequence[Any], currency: str
) -> list[Shown]:
    """The cards of a `stored_page`'s rows, in their order: stored ones as they are, the others
    computed (one more statement, only when a product has no stored card)."""
    missing = [uuid.UUID(row[0]) for row in rows if row[1] is None]
    found: dict[str, Card] = {}
    if missing:
        found = {card["id"]: card for card in await computed(session, missing, currency)}
    page: list[Shown] = []
    for row in rows:
        if row[1] is not None:
            page.append(orjson.Fragment(row[1]))
        elif (card := found.get(row[0])) is not None:
            page.append(card)
    return page


async def computed(
    session: AsyncSession | AsyncConnection, ids: Sequence[uuid.UUID], currency: str
) -> list[Card]:
    """The cards of `ids` computed from the catalog's rows, in no particular order."""
    rows = await session.execute(_statement(), {"ids": list(ids)})
    return [_card(row, currency) for row in rows]


def statement_for(ids: Select[Any], *order_by: Any) -> Select[*tuple[Any, ...]]:
    """The cards of the products `ids` selects (`Product.id`, with its own ORDER BY and LIMIT),
    in `order_by`'s order (each row a card for `_card`). Build it once, with bind parameters:
    building a statement this size costs more than running it."""
    return _card_columns().where(Product.id.in_(ids.scalar_subquery())).order_by(*order_by)


def dump(value: Any) -> bytes:
    """JSON as the API's pydantic models render it (UTC datetimes end in `Z`)."""
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)


# ------------------------------------------------------------------ stored cards (ADR 0055)


@cache
def _claim_statement() -> Insert:
    """PostgreSQL: lock the stored cards of `ids` (in id order), creating an empty one for a
    product that has none, before they are computed: a transaction storing the same card waits
    here, then computes from a snapshot that sees this one's commit. `DO UPDATE … WHERE false`
    locks a row without changing it."""
    from sqlalchemy.dialects import postgresql

    stored = table_of(ProductCard)
    products = (
        select(Product.id, literal(""), literal(""))
        .where(Product.id.in_(bindparam("ids", expanding=True)))
        .order_by(Product.id)
    )
    return (
        postgresql.insert(stored)
        .from_select(["product_id", "currency", "doc"], products)
        .on_conflict_do_update(
            index_elements=[stored.c.product_id],
            set_={"currency": stored.c.currency},
            where=false(),
        )
    )


@cache
def _upsert_statement(dialect: str) -> Insert:
    from sqlalchemy.dialects import postgresql, sqlite

    table = table_of(ProductCard)
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=["product_id"],
            set_={"currency": pg.excluded.currency, "doc": pg.excluded.doc},
        )
    lite = sqlite.insert(table)
    return lite.on_conflict_do_update(
        index_elements=["product_id"],
        set_={"currency": lite.excluded.currency, "doc": lite.excluded.doc},
    )


async def store(session: AsyncSession, product_ids: Iterable[uuid.UUID], currency: str) -> int:
    """Store the cards of `product_ids` as this transaction sees the catalog now (drafts too: a
    published product's card is ready). Returns how many were stored."""
    ids = sorted(set(product_ids))
    dialect = session.get_bind().dialect.name
    stored = 0
    for start in range(0, len(ids), STORE_BATCH):
        batch = ids[start : start + STORE_BATCH]
        if dialect == "postgresql":
            await session.execute(_claim_statement(), {"ids": batch})
        docs = [
            {
                "product_id": uuid.UUID(row[0]),
                "currency": currency,
                "doc": dump(_card(row, currency)).decode(),
            }
            for row in await session.execute(_statement(), {"ids": batch})
        ]
        if docs:
            await session.execute(_upsert_statement(dialect), docs)
        stored += len(docs)
    return stored


_IN_STOCK = '"in_stock":true'
_SOLD_OUT = '"in_stock":false'


@cache
def _products_of_skus() -> Select[Any]:
    return select(Variant.product_id).where(Variant.sku.in_(bindparam("skus", expanding=True)))


@cache
def _lock_cards_of_skus() -> Select[Any]:
    """PostgreSQL: lock the stored cards of the products of `skus`, in id order."""
    stored = table_of(ProductCard)
    return (
        select(stored.c.product_id)
        .where(stored.c.product_id.in_(_products_of_skus()))
        .order_by(stored.c.product_id)
        .with_for_update()
    )


@cache
def _restock_statement() -> Update:
    """Set the stored cards' `in_stock` of the products of `skus` from the stock as it is now:
    in the stored JSON, `"in_stock":true` and `"in_stock":false` appear only as the card's own
    field (a quote inside a string value is escaped)."""
    stored = table_of(ProductCard)
    any_in_stock = (
        select(Variant.id)
        .where(
            Variant.product_id == stored.c.product_id,
            Variant.is_active.is_(True),
            inventory.has_stock(Variant.sku),
        )
        .exists()
    )
    return (
        update(stored)
        .where(stored.c.product_id.in_(_products_of_skus()))
        .values(
            doc=case(
                (any_in_stock, func.replace(stored.c.doc, _SOLD_OUT, _IN_STOCK)),
                else_=func.replace(stored.c.doc, _IN_STOCK, _SOLD_OUT),
            )
        )
    )


async def restock(session: AsyncSession, skus: Collection[str]) -> None:
    """Stock of `skus` crossed sold out (either way): their products' stored `in_stock` is set
    again, after their cards are locked on PostgreSQL (see `_claim_statement`)."""
    params = {"skus": sorted(skus)}
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_lock_cards_of_skus(), params)
    await session.execute(_restock_statement(), params)


async def store_all(
    db: Database, currency: str, progress: Callable[[int, int], None] | None = None
) -> int:
    """Store every product's card (`mercato catalog cards`: after an upgrade from a version
    without stored cards, or a change of the shop's currency), a batch per transaction.
    Returns how many were stored."""
    async with db.session(write=False) as session:
        total = int(await session.scalar(select(func.count()).select_from(Product)) or 0)
    done = 0
    after: uuid.UUID | None = None
    while True:
        async with db.session() as session:
            page = select(Product.id).order_by(Product.id).limit(STORE_BATCH)
            if after is not None:
                page = page.where(Product.id > after)
            ids = list(await session.scalars(page))
            if not ids:
                return done
            done += await store(session, ids, currency)
        after = ids[-1]
        if progress is not None:
            progress(done, max(total, done))


class CardKeeper:
    """The `Database.before_commit` hook that keeps stored cards: it stores again the cards
    that this unit of work's marks (`platform.card_marks`) name, and sets `in_stock` on those
    whose product had a SKU cross sold out."""

    def __init__(self, currency: str) -> None:
        self._currency = currency

    async def __call__(self, session: AsyncSession) -> None:
        info = session.info
        products: set[uuid.UUID] = info.pop(card_marks.PRODUCTS_KEY, set())
        categories: set[uuid.UUID] = info.pop(card_marks.CATEGORIES_KEY, set())
        skus: set[str] = info.pop(card_marks.SKUS_KEY, set())
        if categories:
            in_them = select(Product.id).where(Product.category_id.in_(categories))
            products |= set(await session.scalars(in_them))
        ordered = sorted(skus)
        for start in range(0, len(ordered), STORE_BATCH):
            batch = ordered[start : start + STORE_BATCH]
            products |= set(await session.scalars(_products_of_skus(), {"skus": batch}))
        if products:
            await store(session, products, self._currency)
        moved: dict[str, tuple[int, int]] | None = info.get(STOCK_MOVED_KEY)
        if moved:
            crossed = [sku for sku, (before, after) in moved.items() if (before > 0) != (after > 0)]
            if crossed:
                await restock(session, crossed)
