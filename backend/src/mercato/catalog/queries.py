"""Read models for the public API: product pages, detail, category tree, collections."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    Float,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSON, aggregate_order_by
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from mercato.catalog import cards, service
from mercato.catalog.exceptions import ProductNotFound
from mercato.catalog.models import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductCard,
    ProductImage,
    ProductOption,
    Variant,
)
from mercato.catalog.ports import CatalogPorts
from mercato.catalog.repository import (
    MAX_LIMIT,
    ProductQuery,
    ProductRepository,
    after_key,
    decode_cursor,
    encode_cursor,
    exact_titles,
    sort_key,
)
from mercato.catalog.schemas import CategoryNode, Facets
from mercato.catalog.search import PostgresSearch, SqliteSearch, words_of
from mercato.content import service as content
from mercato.inventory import service as inventory
from mercato.platform.db import Database, UuidText, table_of
from mercato.platform.errors import ValidationFailed

RELATED_LIMIT = 4

# Runs a read statement with its parameters and returns its rows (a connection's `execute`, or
# `RawReads.rows`).
Rows = Callable[[Any, dict[str, Any]], Awaitable[Sequence[Sequence[Any]]]]
# The cards shown for `cards.stored_page` rows, in their order.
CardsOf = Callable[[Sequence[Any]], Awaitable[list[cards.Shown]]]


async def list_products(
    session: AsyncSession, query: ProductQuery, currency: str
) -> dict[str, Any]:
    """A page of products (`schemas.ProductPage`'s shape), JSON-ready: a plain query's in one
    prebuilt statement (`plain_list`); any other, the page's ids from the repository, then their
    cards in one statement."""
    if query.cursor:
        decode_cursor(query.cursor, query.effective_sort)  # forged: 422, even on an empty page
    if query.is_plain:
        return await plain_list(session, query.effective_sort, query.cursor, query.limit, currency)
    result = await ProductRepository(session).list(query)
    return {
        "items": await cards.cards(session, result.ids, currency),
        "next_cursor": result.next_cursor,
        "facets": (
            Facets.model_validate(result.facets).model_dump(mode="json")
            if result.facets is not None
            else None
        ),
        "corrected_query": result.corrected_query,
    }


@cache
def _plain_page_statement(sort: str, after: bool) -> Any:
    """One page (and one more product) of active products in `sort`'s order, after the cursor's
    (`key`, `pid`) when `after`: each product's id, stored card (ADR 0055) and sort key, built
    once with bind parameters (building it cost more than running it). The page size is written
    into the text: bound, it made PostgreSQL plan the statement again on every execution (ADR
    0054)."""
    key_col, desc = sort_key(sort)
    order = (key_col.desc(), Product.id.desc()) if desc else (key_col.asc(), Product.id.asc())
    page = cards.stored_page(key_col).where(Product.status == "active")
    if after:
        key = bindparam("key", type_=key_col.type)
        pid = bindparam("pid", type_=Product.id.type)
        page = page.where(after_key(key_col, Product.id, key, pid, desc))
    rows = bindparam("rows", type_=Integer(), literal_execute=True)
    return page.order_by(*order).limit(rows)


@cache
def _first_page_sql(dialect: Dialect, sort: str, rows: int, currency: str) -> str:
    """`_plain_page_statement` for a first page, with its values written in: one string per
    sort, size and currency (at most a few hundred), for `Database.quick_raw_rows`."""
    statement = _plain_page_statement(sort, False).params(rows=rows, currency=currency)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@cache
def _processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any]:
    """What SQLAlchemy does to a driver's value of `type_` on `dialect` when it reads it."""
    process = type_.dialect_impl(dialect).result_processor(dialect, None)
    return process or (lambda value: value)


_ID_TYPE = UuidText()


@cache
def _sort_key_processor(sort: str, dialect: Dialect) -> Callable[[Any], Any]:
    """`_processor` of `sort`'s key column (its `.type` is slow to reach through the ORM)."""
    return _processor(sort_key(sort)[0].type, dialect)


async def plain_first_page(db: Database, sort: str, limit: int, currency: str) -> dict[str, Any]:
    """`plain_list`'s first page (no cursor), read through `Database.quick_raw_rows`: the same
    items, order and cursor, without SQLAlchemy's execution and result processing; only the
    values used (the last row's id and sort key, a missing card's id) are processed."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", code="bad_limit")
    dialect = db.engine.dialect
    page = await db.quick_raw_rows(_first_page_sql(dialect, sort, limit + 1, currency))
    to_id = _processor(_ID_TYPE, dialect)
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        raw_id, _, raw_key = page[-1]
        key = _sort_key_processor(sort, dialect)(raw_key)
        next_cursor = encode_cursor(sort, key, to_id(raw_id))
    if any(row[1] is None for row in page):  # a card to compute: its id as `cards.shown` reads it
        page = [(to_id(row[0]) if row[1] is None else row[0], row[1]) for row in page]
    items = await _quick_cards(db, currency)(page)
    return {"items": items, "next_cursor": next_cursor, "facets": None, "corrected_query": None}


async def plain_list(
    connection: AsyncSession | AsyncConnection,
    sort: str,
    cursor: str | None,
    limit: int,
    currency: str,
) -> dict[str, Any]:
    """A page of a plain query (`ProductQuery.is_plain`): what `list_products` answers for it,
    the same items, order and cursor: one statement when every product on the page has its
    stored card, a second for the cards of those that have none."""
    rows, shown = _on_connection(connection, currency)
    return await _plain_page(rows, shown, sort, cursor, limit, currency)


async def quick_plain_list(
    db: Database, sort: str, cursor: str | None, limit: int, currency: str
) -> dict[str, Any]:
    """`plain_list` through `Database.quick_raw` (the edge's miss of a later page: its statement
    run straight on the driver's connection, ADR 0056). Raises QuickReadBusy."""
    shown = _quick_cards(db, currency)
    async with db.quick_raw() as reads:
        return await _plain_page(reads.rows, shown, sort, cursor, limit, currency)


class NotQuick(Exception):
    """A quick read cannot answer this request alone; the ordinary path will (the router's)."""


# PostgreSQL ranks a public search in its search table alone (as `PostgresSearch.top`), with
# sequential scans off: it badly over-estimates prefix tsqueries (`ProductRepository.list`).
_SEARCH_PLANNER = "SET LOCAL enable_seqscan = off"


async def quick_search(
    db: Database, q: str, cursor: str | None, limit: int, currency: str
) -> dict[str, Any]:
    """A public relevance search's page (`q`, `cursor`, `limit` and nothing else: what
    `list_products` answers for it, the same items, order and cursor) in one statement read raw
    on the driver's connection (`Database.raw_read`: off the event loop on SQLite, as a broad
    query ranks thousands of rows): the matching published products ranked as the repository
    ranks them, with their stored cards. Raises NotQuick for an empty page: whether a typo is to
    be corrected is the repository's to find out (`ProductRepository.list`). Raises
    QuickReadBusy."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", code="bad_limit")
    words = words_of(q)
    if not words:
        raise NotQuick()
    dialect = db.engine.dialect
    exact = exact_titles(q)
    params: dict[str, Any] = {"rows": limit + 1, "currency": currency}
    if dialect.name == "postgresql":
        params.update(q=PostgresSearch.tsquery(words), exact=exact)
    else:
        params.update(match=SqliteSearch.match_expression(words), exact_a=exact[0])
        params["exact_b"] = exact[-1]
    if cursor:
        params["key"], params["pid"] = decode_cursor(cursor, "relevance")
    statement = _search_page_statement(dialect.name, bool(cursor))
    planner = _SEARCH_PLANNER if dialect.name == "postgresql" else ""
    async with db.raw_read(planner_settings=planner) as reads:
        page = await reads.rows(statement, params)
    if not page:
        raise NotQuick()
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        last_id, _, last_score = page[-1]
        next_cursor = encode_cursor("relevance", float(last_score or 0.0), last_id)
    return {
        "items": await _quick_cards(db, currency)(page),
        "next_cursor": next_cursor,
        "facets": None,
        "corrected_query": None,
    }


@cache
def _search_page_statement(dialect: str, after: bool) -> Any:
    """`quick_search`'s statement: (id, stored card or NULL, score) of a page of the published
    products matching the search, by score (the text rank, plus 1000 for an exact title) and id,
    after the cursor's (`key`, `pid`) when `after`; the page size written in (`rows`)."""
    rows = bindparam("rows", type_=Integer(), literal_execute=True)
    if dialect == "postgresql":
        ranked, where = PostgresSearch.RANKED, PostgresSearch.PUBLISHED_MATCHES
        binds: list[BindParameter[Any]] = [bindparam("exact", type_=ARRAY(String())), rows]
        if after:
            where += f" AND {PostgresSearch.AFTER}"
            binds += [bindparam("pid", type_=Product.id.type), bindparam("key", type_=Float())]
        card = table_of(ProductCard).name
        statement = text(
            f"WITH top AS (SELECT product_id, {ranked} AS score FROM catalog_fts_pg WHERE {where} "
            "ORDER BY score DESC, product_id ASC LIMIT :rows) "
            f"SELECT top.product_id, card.doc, top.score FROM top LEFT JOIN {card} card "
            "ON card.product_id = top.product_id AND card.currency = :currency "
            "ORDER BY top.score DESC, top.product_id ASC"
        ).bindparams(*binds)
        # the score untyped: asyncpg's float8 is a float already (and SQLAlchemy's Float
        # processor there needs the result's column type, unknown to a plan made in advance)
        return statement.columns(
            column("product_id", UuidText()), column("doc", Text()), column("score")
        )
    fts = (
        text(
            f"SELECT rowid AS fts_rowid, {SqliteSearch.RANK} AS rank "
            "FROM catalog_fts WHERE catalog_fts MATCH :match"
        )
        .columns(column("fts_rowid", Integer()), column("rank", Float()))
        .subquery("fts")
    )
    exact = func.lower(Product.title).in_(
        [bindparam("exact_a", type_=String()), bindparam("exact_b", type_=String())]
    )
    score = fts.c.rank + case((exact, 1000.0), else_=0.0)
    page = (
        cards.stored_page(score.label("score"))
        .join(fts, fts.c.fts_rowid == literal_column(f"{Product.__tablename__}.rowid"))
        .where(Product.status == "active")
    )
    if after:
        key = bindparam("key", type_=Float())
        pid = bindparam("pid", type_=Product.id.type)
        page = page.where(or_(score < key, and_(score == key, Product.id > pid)))
    return page.order_by(score.desc(), Product.id.asc()).limit(rows)


async def _plain_page(
    rows: Rows, shown: CardsOf, sort: str, cursor: str | None, limit: int, currency: str
) -> dict[str, Any]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", code="bad_limit")
    params: dict[str, Any] = {"rows": limit + 1, "currency": currency}
    if cursor:
        params["key"], params["pid"] = decode_cursor(cursor, sort)
    page = await rows(_plain_page_statement(sort, bool(cursor)), params)
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        last_id, _, last_key = page[-1]
        next_cursor = encode_cursor(sort, last_key, last_id)
    return {
        "items": await shown(page),
        "next_cursor": next_cursor,
        "facets": None,
        "corrected_query": None,
    }


def _on_connection(
    connection: AsyncSession | AsyncConnection, currency: str
) -> tuple[Rows, CardsOf]:
    """How `_plain_page` and `_page` read through a SQLAlchemy connection (or session)."""

    async def rows(statement: Any, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        return (await connection.execute(statement, params)).all()

    async def shown(page: Sequence[Any]) -> list[cards.Shown]:
        return await cards.shown(connection, page, currency)

    return rows, shown


def _quick_cards(db: Database, currency: str) -> CardsOf:
    """The cards of `cards.stored_page` rows read raw: the stored ones as they are; when one is
    not stored (or in another currency), all computed as `cards.shown` does, on a quick
    connection (one statement more)."""

    async def shown(page: Sequence[Any]) -> list[cards.Shown]:
        docs = [row[1] for row in page]
        if None not in docs:
            return [orjson.Fragment(doc) for doc in docs]
        async with db.quick_read() as connection:
            return await cards.shown(connection, page, currency)

    return shown


# The product page's statements are built once, with bind parameters, and run on the session's
# connection (Core rows, no ORM entities, no pydantic models): building a statement (subqueries,
# aliases) cost more CPU than running it, and loading entities and validating models more than
# both (docs/benchmarks.md).


@cache
def _breadcrumbs_statement() -> Any:
    return _breadcrumbs(bindparam("category_id"))


def _breadcrumbs(category_id: Any) -> Any:
    """The category and its ancestors (whose paths are prefixes of its path), root first."""
    node = aliased(Category)
    return (
        select(Category.id, Category.name, Category.slug)
        .join(node, node.path.startswith(Category.path))
        .where(node.id == category_id)
        .order_by(func.length(Category.path))
    )


@cache
def _product_statement(by_slug: bool, public: bool) -> Any:
    """The product's own columns and its collections' slugs, by slug or by id (`key`)."""
    stmt = select(
        Product.id,
        Product.title,
        Product.slug,
        Product.description,
        Product.brand,
        Product.status,
        Product.seo_title,
        Product.seo_description,
        Product.category_id,
        Product.tags,
        Product.attributes,
        Product.price_min,
        Product.price_max,
        Product.version,
        Product.created_at,
        Product.updated_at,
        _collection_slugs(Product.id),
    ).where((Product.slug if by_slug else Product.id) == bindparam("key"))
    return stmt.where(Product.status == "active") if public else stmt


@cache
def _product_with_parts_statement(by_slug: bool, public: bool) -> Any:
    """PostgreSQL: `_product_statement` with the page's options, images, variants (with stock)
    and breadcrumbs as four JSON arrays of rows, in the order and shape of their own statements:
    one round trip instead of five (on PostgreSQL a round trip costs about as much as the
    statement, docs/benchmarks.md)."""
    statement = _product_statement(by_slug, public).add_columns(
        _json_rows(_options(Product.id)),
        _json_rows(_images(Product.id)),
        _json_rows(_variants(Product.id)),
        _json_rows(_breadcrumbs(Product.category_id)),
    )
    if not public:
        return statement
    related = case(  # by the category, else by the brand, else any (as `_related_cards`)
        (Product.category_id.is_not(None), _related_json("category")),
        (Product.brand != "", _related_json("brand")),
        else_=_related_json(None),
    )
    return statement.add_columns(related)


def _json_rows(statement: Any) -> Any:
    """`statement`'s rows as one JSON array of arrays (NULL when none) in its order, as a
    correlated scalar subquery. PostgreSQL only."""
    row = func.json_build_array(*statement.selected_columns)
    ordered = aggregate_order_by(row, *statement._order_by_clauses)
    return (
        statement.with_only_columns(func.json_agg(ordered, type_=JSON))
        .order_by(None)
        .scalar_subquery()
    )


@cache
def _options_statement() -> Any:
    return _options(bindparam("product_id"))


def _options(product_id: Any) -> Any:
    return (
        select(ProductOption.name, ProductOption.values)
        .where(ProductOption.product_id == product_id)
        .order_by(ProductOption.position, ProductOption.name)
    )


@cache
def _images_statement() -> Any:
    return _images(bindparam("product_id"))


def _images(product_id: Any) -> Any:
    return (
        select(
            ProductImage.url,
            ProductImage.alt,
            ProductImage.position,
            ProductImage.width,
            ProductImage.height,
        )
        .where(ProductImage.product_id == product_id)
        .order_by(ProductImage.position, ProductImage.id)
    )


@cache
def _variants_statement() -> Any:
    return _variants(bindparam("product_id"))


def _variants(product_id: Any) -> Any:
    """A product's variants in order, each with its available quantity."""
    return (
        select(
            Variant.id,
            Variant.sku,
            Variant.barcode,
            Variant.title,
            Variant.options,
            Variant.price,
            Variant.compare_at_price,
            Variant.currency,
            Variant.weight_grams,
            Variant.length_mm,
            Variant.width_mm,
            Variant.height_mm,
            Variant.position,
            Variant.is_active,
            inventory.available_sql(Variant.sku),
        )
        .where(Variant.product_id == product_id)
        .order_by(Variant.position, Variant.id)
    )


def _collection_slugs(product_id: Any) -> Any:
    """The slugs of the collections holding the product, comma-separated (slugs have no comma)."""
    return (
        select(func.aggregate_strings(Collection.slug, ","))
        .join(CollectionProduct, CollectionProduct.collection_id == Collection.id)
        .where(CollectionProduct.product_id == product_id)
        .scalar_subquery()
    )


@cache
def _related_statement(by: str | None) -> Any:
    """Up to RELATED_LIMIT other published products with the same `by` column (category,
    brand, or none), newest first, with their stored cards: one statement, built once. The
    limit is written into the text: bound, PostgreSQL planned the statement again on every
    execution (ADR 0054), ~0.15 ms of a page."""
    return _related(bindparam("product_id"), bindparam("key"), by, Product)


def _related(product_id: Any, key: Any, by: str | None, related: Any, *columns: Any) -> Any:
    """`_related_statement` for `product_id` and `key` (parameters, or the outer query's
    columns), selecting from `related` (`Product` or an alias of it) with `columns` after the
    card's two."""
    page = cards.stored_page(*columns, product=related).where(
        related.status == "active", related.id != product_id
    )
    if by == "category":
        page = page.where(related.category_id == key)
    elif by == "brand":
        page = page.where(related.brand == key)
    limit = bindparam("related", RELATED_LIMIT, type_=Integer(), literal_execute=True)
    return page.order_by(related.created_at.desc(), related.id).limit(limit)


def _related_json(by: str | None) -> Any:
    """PostgreSQL: the related cards' rows for the outer query's `Product`, as one JSON array
    of `[id, card]` arrays (NULL when none), in `_related_statement`'s order."""
    related = aliased(Product, name="related")
    key = {"category": Product.category_id, "brand": Product.brand}.get(by or "")
    page = _related(Product.id, key, by, related, related.created_at, related.id)
    page = page.correlate(Product).subquery()  # the outer product's row, not a join with it
    id_, doc, created_at, pid = page.c
    row = func.json_build_array(id_, doc)
    ordered = aggregate_order_by(row, created_at.desc(), pid)
    return select(func.json_agg(ordered, type_=JSON)).select_from(page).scalar_subquery()


async def _related_cards(
    rows: Rows,
    shown: CardsOf,
    product_id: uuid.UUID,
    category_id: uuid.UUID | None,
    brand: str,
    currency: str,
) -> list[cards.Shown]:
    """Other products of its category, else of its brand, else any."""
    params: dict[str, Any] = {"product_id": product_id, "currency": currency}
    by: str | None = None
    if category_id is not None:
        by, params["key"] = "category", category_id
    elif brand:
        by, params["key"] = "brand", brand
    return await shown(await rows(_related_statement(by), params))


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


async def product_detail(ports: CatalogPorts, slug: str, *, quick: bool = False) -> dict[str, Any]:
    """A published product's page as `GET /products/{slug}` shows it: its rows (`product_page`
    in one read unit of work; `quick`: `quick_product_page`, which may raise QuickReadBusy) with
    the content's editorial. Raises ProductNotFound."""
    catalog = ports.settings.catalog
    threshold = catalog.low_stock_threshold
    if quick:
        page = await quick_product_page(ports.db, catalog.currency, slug, threshold)
    else:
        async with ports.db.session(write=False) as session:
            page = await product_page(
                session, catalog.currency, slug=slug, low_stock_threshold=threshold
            )
    page["editorial"] = await content.product_editorial(
        ports.content_source, ports.content_cache, slug
    )
    return page


async def product_page(
    session: AsyncSession | AsyncConnection,
    currency: str,
    *,
    slug: str | None = None,
    product_id: uuid.UUID | None = None,
    public: bool = True,
    low_stock_threshold: int = 5,
) -> dict[str, Any]:
    """A product page by slug or id, JSON-ready in `schemas.ProductRead`'s shape and field order
    (`editorial` None: the CMS's part is the caller's). Public: only a published product, its
    active variants and related cards. Six statements on one connection (`session`'s): the product
    with its collections, its options, images, variants with stock, breadcrumbs, related cards;
    on PostgreSQL one, the parts and related cards read within the product's statement. Raises
    ProductNotFound."""
    connection = await session.connection() if isinstance(session, AsyncSession) else session
    rows, shown = _on_connection(connection, currency)
    by_slug = slug is not None
    key = slug if by_slug else product_id
    one_trip = connection.dialect.name == "postgresql"
    return await _page(rows, shown, one_trip, currency, by_slug, key, public, low_stock_threshold)


async def quick_product_page(
    db: Database, currency: str, slug: str, low_stock_threshold: int
) -> dict[str, Any]:
    """`product_page` of a published product by slug through `Database.quick_raw`: the same
    six statements and the same page, without SQLAlchemy's execution and result processing,
    which cost several times the statements (ADR 0056). Raises ProductNotFound, QuickReadBusy."""

    async with db.quick_raw() as reads:
        shown = _quick_cards(db, currency)
        return await _page(
            reads.rows,
            shown,
            db.dialect == "postgresql",
            currency,
            True,
            slug,
            True,
            low_stock_threshold,
        )


async def _page(
    rows: Rows,
    shown: CardsOf,
    one_trip: bool,
    currency: str,
    by_slug: bool,
    key: Any,
    public: bool,
    low_stock_threshold: int,
) -> dict[str, Any]:
    """The page's rows: on PostgreSQL (`one_trip`) the product with its parts and related cards
    in one statement, elsewhere the product's statement and one per part."""
    statement = (_product_with_parts_statement if one_trip else _product_statement)(by_slug, public)
    found = await rows(statement, {"key": key, "currency": currency})
    if not found:
        raise ProductNotFound()
    row = found[0]
    if one_trip:
        if public:
            *row, related_rows = row
        *row, option_rows, image_rows, variant_rows, crumb_rows = row
    (
        pid,
        title,
        product_slug,
        description,
        brand,
        status,
        seo_title,
        seo_description,
        category_id,
        tags,
        attributes,
        price_min,
        price_max,
        version,
        created_at,
        updated_at,
        collection_slugs,
    ) = row
    if not one_trip:
        params = {"product_id": pid}
        option_rows = await rows(_options_statement(), params)
        image_rows = await rows(_images_statement(), params)
        variant_rows = await rows(_variants_statement(), params)
        crumb_rows = (
            await rows(_breadcrumbs_statement(), {"category_id": category_id})
            if category_id is not None
            else []
        )
    options = [{"name": name, "values": list(values)} for name, values in option_rows or ()]
    images = [
        {"url": url, "alt": alt, "position": position, "width": width, "height": height}
        for url, alt, position, width, height in image_rows or ()
    ]
    variants: list[dict[str, Any]] = []
    total = 0
    for (
        variant_id,
        sku,
        barcode,
        variant_title,
        variant_options,
        price,
        compare_at_price,
        variant_currency,
        weight_grams,
        length_mm,
        width_mm,
        height_mm,
        position,
        is_active,
        stock,
    ) in variant_rows or ():
        if public and not is_active:
            continue
        available = max(0, int(stock or 0))
        if is_active:
            total += available
        money = variant_currency or currency
        variants.append(
            {
                "id": str(variant_id),
                "sku": sku,
                "barcode": barcode,
                "title": variant_title,
                "options": {k: str(value) for k, value in variant_options.items()},
                "price": _money(price, money),
                "compare_at_price": (_money(compare_at_price, money) if compare_at_price else None),
                "weight_grams": weight_grams,
                "length_mm": length_mm,
                "width_mm": width_mm,
                "height_mm": height_mm,
                "position": position,
                "is_active": is_active,
                "available": available,
                "in_stock": available > 0,
                "low_stock": 0 < available <= low_stock_threshold,
            }
        )
    crumbs = [
        {"id": str(crumb_id), "name": name, "slug": crumb_slug}
        for crumb_id, name, crumb_slug in crumb_rows or ()
    ]
    return {
        "id": str(pid),
        "title": title,
        "slug": product_slug,
        "description": description,
        "brand": brand,
        "status": status,
        "seo_title": seo_title or title,
        "custom_seo_title": seo_title or None,
        "seo_description": seo_description,
        "category": crumbs[-1] if crumbs else None,
        "breadcrumbs": crumbs,
        "tags": list(tags),
        "attributes": dict(attributes),
        "options": options,
        "variants": variants,
        "images": images,
        "collections": sorted(collection_slugs.split(",")) if collection_slugs else [],
        "price": _money(price_min, currency),
        "price_max": _money(price_max, currency),
        "in_stock": total > 0,
        "available": total,
        "related": (
            []
            if not public
            else await shown(related_rows or [])
            if one_trip
            else await _related_cards(rows, shown, pid, category_id, brand, currency)
        ),
        "version": version,
        "created_at": created_at,
        "updated_at": updated_at,
        "editorial": None,
    }


async def category_tree(session: AsyncSession) -> list[CategoryNode]:
    """The whole tree; product_count includes active products of every descendant."""
    categories = (
        await session.scalars(select(Category).order_by(Category.position, Category.name))
    ).all()
    direct = dict(
        (
            await session.execute(
                select(Product.category_id, func.count())
                .where(Product.status == "active", Product.category_id.is_not(None))
                .group_by(Product.category_id)
            )
        ).all()
    )
    nodes = {
        c.id: CategoryNode(
            id=c.id,
            name=c.name,
            slug=c.slug,
            description=c.description,
            position=c.position,
            parent_id=c.parent_id,
            product_count=0,
            version=c.version,
        )
        for c in categories
    }
    for c in categories:
        count = int(direct.get(c.id, 0))
        for ancestor in c.path.strip("/").split("/"):
            node = nodes.get(uuid.UUID(ancestor))
            if node is not None:
                node.product_count += count
    roots: list[CategoryNode] = []
    for c in categories:
        node = nodes[c.id]
        parent = nodes.get(c.parent_id) if c.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


async def collection_page(
    session: AsyncSession, slug: str, currency: str, query: ProductQuery
) -> dict[str, Any]:
    """A collection with a page of its products (`schemas.CollectionRead`'s shape), JSON-ready."""
    collection = await service.get_collection_by_slug(session, slug)
    page = await list_products(
        session,
        ProductQuery(
            collection=slug,
            sort=query.sort,
            cursor=query.cursor,
            limit=query.limit,
            in_stock=query.in_stock,
        ),
        currency,
    )
    return {
        "id": str(collection.id),
        "title": collection.title,
        "slug": collection.slug,
        "description": collection.description,
        "version": collection.version,
        "products": page["items"],
        "next_cursor": page["next_cursor"],
    }
