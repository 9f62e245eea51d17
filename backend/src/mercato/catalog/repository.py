"""Product listing: filters, sorting, keyset pagination, facets and search, on both databases.

Pagination is keyset on (sort key, id) with an opaque base64 cursor, so pages stay stable while
products are added or removed: an item is never returned twice and none that existed throughout
is skipped. Facets are counted over the whole filtered result (not just the page).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy import Select, and_, case, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Subquery

from mercato.catalog.models import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    Variant,
    VariantOptionValue,
)
from mercato.catalog.search import PostgresSearch, correct_words, search_index_for, words_of
from mercato.inventory import service as inventory
from mercato.platform.clock import as_utc
from mercato.platform.errors import ValidationFailed
from mercato.platform.pagination import cursor_time, cursor_uuid, invalid_cursor, load_cursor

SortName = Literal["relevance", "price_asc", "price_desc", "newest", "name"]
SORTS: tuple[str, ...] = ("relevance", "price_asc", "price_desc", "newest", "name")
MAX_LIMIT = 100
DEFAULT_LIMIT = 24
# Price facet buckets in minor units: [lower, upper)
PRICE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 2500),
    (2500, 5000),
    (5000, 10000),
    (10000, 20000),
    (20000, None),
)


@dataclass(frozen=True)
class ProductQuery:
    q: str | None = None
    category: str | None = None
    collection: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    in_stock: bool | None = None
    sort: SortName | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    facets: bool = False
    status: str | None = "active"  # None: every status (admin)
    as_typed: bool = False  # search `q`'s words as they are: no typo correction

    @property
    def is_plain(self) -> bool:
        """Every active product in one of the sorts, no search, filter or facets: a page of
        these is one prebuilt statement (`queries.plain_list`)."""
        return (
            self.q is None
            and self.category is None
            and self.collection is None
            and self.price_min is None
            and self.price_max is None
            and not self.options
            and self.in_stock is None
            and not self.facets
            and self.status == "active"
        )

    @property
    def effective_sort(self) -> SortName:
        if self.sort:
            if self.sort == "relevance" and not self.q:
                return "newest"
            return self.sort
        return "relevance" if self.q else "newest"


def parse_options(raw: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`["size:M", "size:L", "colour:Blue"]` -> ((colour, (Blue,)), (size, (L, M)))."""
    grouped: dict[str, set[str]] = {}
    for item in raw[:20]:
        name, sep, value = item.partition(":")
        name, value = name.strip().lower(), value.strip()
        if (
            not sep
            or not name
            or not value
            or len(name) > 100
            or len(value) > 100
            or "\x00" in item
        ):
            raise ValidationFailed(
                "option filters look like `option=size:M` (name:value).",
                code="invalid_option_filter",
                extra={"option": item[:200]},
            )
        grouped.setdefault(name, set()).add(value)
    return tuple(sorted((k, tuple(sorted(v))) for k, v in grouped.items()))


@dataclass
class ListResult:
    ids: list[uuid.UUID]  # the page's products, in order
    next_cursor: str | None
    scores: dict[uuid.UUID, float] = field(default_factory=dict)
    facets: dict[str, Any] | None = None
    corrected_query: str | None = None


# --------------------------------------------------------------------------- cursors


def encode_cursor(sort: str, key: Any, product_id: uuid.UUID | str) -> str:
    if isinstance(key, datetime):
        key = as_utc(key).isoformat()
    raw = orjson.dumps({"s": sort, "k": key, "i": str(product_id)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, uuid.UUID]:
    data = load_cursor(cursor)
    if not isinstance(data, dict) or data.keys() != {"s", "k", "i"} or data["s"] != sort:
        invalid_cursor()
    key = data["k"]
    if sort == "newest":
        key = cursor_time(key)
    elif sort in ("price_asc", "price_desc"):
        if type(key) is not int or not 0 <= key < 2**31:
            invalid_cursor()
    elif sort == "relevance":
        if type(key) not in (int, float):  # load_cursor refuses NaN and infinity
            invalid_cursor()
        key = float(key)
    elif type(key) is not str or len(key) > 300:
        invalid_cursor()
    return key, cursor_uuid(data["i"])


def exact_titles(typed: str) -> list[str]:
    """The titles that rank first whatever the text ranking says: the query as typed, and its
    words joined by single spaces."""
    typed = typed.strip().lower()
    return sorted({typed, " ".join(words_of(typed))})


def sort_key(sort: str) -> tuple[Any, bool]:
    """(the column a sort other than relevance orders by, descending?); then by id, the same way."""
    return {
        "price_asc": (Product.price_min, False),
        "price_desc": (Product.price_min, True),
        "name": (Product.title, False),
    }.get(sort, (Product.created_at, True))


def after_key(key_col: Any, id_col: Any, key: Any, pid: Any, desc: bool) -> ColumnElement[bool]:
    """Rows strictly after (key, id) in ORDER BY key [DESC], id [DESC]."""
    if desc:
        return or_(key_col < key, and_(key_col == key, id_col < pid))
    return or_(key_col > key, and_(key_col == key, id_col > pid))


# --------------------------------------------------------------------------- the query


class ProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.search = search_index_for(self.dialect)

    async def _category_ids(self, slug: str) -> Select[uuid.UUID] | None:
        path = await self.session.scalar(select(Category.path).where(Category.slug == slug))
        if path is None:
            return None
        return select(Category.id).where(Category.path.startswith(path))

    async def _filters(self, query: ProductQuery) -> list[ColumnElement[bool]] | None:
        """WHERE clauses for everything but search; None when a filter can match nothing."""
        conditions: list[ColumnElement[bool]] = []
        if query.status is not None:
            conditions.append(Product.status == query.status)
        if query.category:
            ids = await self._category_ids(query.category)
            if ids is None:
                return None
            conditions.append(Product.category_id.in_(ids))
        if query.collection:
            collection_id = await self.session.scalar(
                select(Collection.id).where(Collection.slug == query.collection)
            )
            if collection_id is None:
                return None
            conditions.append(
                Product.id.in_(
                    select(CollectionProduct.product_id).where(
                        CollectionProduct.collection_id == collection_id
                    )
                )
            )
        if query.price_min is not None:
            conditions.append(Product.price_max >= query.price_min)
        if query.price_max is not None:
            conditions.append(Product.price_min <= query.price_max)
        if query.options or query.in_stock:
            # One variant must satisfy every option filter (and be in stock when asked).
            variant_conditions: list[ColumnElement[bool]] = [
                Variant.product_id == Product.id,
                Variant.is_active.is_(True),
            ]
            for name, values in query.options:
                variant_conditions.append(
                    select(VariantOptionValue.variant_id)
                    .where(
                        VariantOptionValue.variant_id == Variant.id,
                        VariantOptionValue.name == name,
                        VariantOptionValue.value.in_(values),
                    )
                    .exists()
                )
            if query.in_stock:
                variant_conditions.append(inventory.has_stock(Variant.sku))
            conditions.append(select(Variant.id).where(*variant_conditions).exists())
        elif query.in_stock is False:
            conditions.append(
                ~select(Variant.id)
                .where(
                    Variant.product_id == Product.id,
                    Variant.is_active.is_(True),
                    inventory.has_stock(Variant.sku),
                )
                .exists()
            )
        return conditions

    async def _search(
        self, q: str, as_typed: bool = False
    ) -> tuple[Subquery | None, str | None, list[str]]:
        """(scores subquery, corrected query, the words that matched: none when nothing did).
        `as_typed`: the words as they are, never corrected, and no probe first (a search that
        matches nothing is an empty page)."""
        words = words_of(q)
        if not words:
            return None, None, []
        if as_typed:
            return await self.search.scores(self.session, words), None, words
        if await self.search.has_match(self.session, words):
            return await self.search.scores(self.session, words), None, words
        corrected = await correct_words(self.session, words)
        if corrected != words and await self.search.has_match(self.session, corrected):
            scores = await self.search.scores(self.session, corrected)
            return scores, " ".join(corrected), corrected
        return None, None, []

    @staticmethod
    def _ranks_in_search_table(query: ProductQuery) -> bool:
        """A public relevance search with no other filter: PostgreSQL ranks it in its search
        table alone (PostgresSearch.top), the products are loaded for the page only."""
        return (
            query.status == "active"
            and query.effective_sort == "relevance"
            and not (query.category or query.collection or query.options)
            and query.price_min is None
            and query.price_max is None
            and query.in_stock is None
        )

    async def _search_top(
        self, search: PostgresSearch, query: ProductQuery
    ) -> tuple[list[tuple[uuid.UUID, float]], str | None, list[str]]:
        """A page ranked in the search table, without first probing for a match: an empty first
        page is the probe (then the typo correction is tried, unless `query.as_typed`). (rows,
        corrected query, the words that matched: none when nothing did)."""
        words = words_of(query.q or "")
        if not words:
            return [], None, []
        rows = await self._top_rows(search, words, exact_titles(query.q or ""), query)
        if rows:
            return rows, None, words
        if query.as_typed:  # past the last page of a match, or no match at all: no correction
            return [], None, (words if query.cursor else [])
        if query.cursor and await search.has_match(self.session, words):
            return [], None, words  # past the last page of a query that matches
        corrected = await correct_words(self.session, words)
        if corrected == words:
            return [], None, []
        typed = " ".join(corrected)
        rows = await self._top_rows(search, corrected, exact_titles(typed), query)
        if rows or (query.cursor and await search.has_match(self.session, corrected)):
            return rows, typed, corrected
        return [], None, []

    async def _top_rows(
        self, search: PostgresSearch, words: list[str], exact: list[str], query: ProductQuery
    ) -> list[tuple[uuid.UUID, float]]:
        after = None
        if query.cursor:
            key, pid = decode_cursor(query.cursor, "relevance")
            after = (float(key), pid)
        return list(await search.top(self.session, words, exact, query.limit + 1, after))

    async def list(self, query: ProductQuery) -> ListResult:
        if not 1 <= query.limit <= MAX_LIMIT:
            raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", code="bad_limit")
        sort = query.effective_sort
        conditions = await self._filters(query)
        scores: Subquery | None = None
        corrected: str | None = None
        planner_hint = bool(query.q and query.q.strip()) and self.dialect == "postgresql"
        if planner_hint:
            # PostgreSQL badly over-estimates prefix tsqueries and picks a sequential scan of the
            # search table (20-60 ms at 100k products) over its GIN index (well under 1 ms).
            await self.session.execute(text("SET LOCAL enable_seqscan = off"))
        matched: list[str] = []
        top: list[tuple[uuid.UUID, float]] | None = None
        searching = conditions is not None and bool(query.q and query.q.strip())
        if searching and isinstance(self.search, PostgresSearch):
            if self._ranks_in_search_table(query):
                top, corrected, matched = await self._search_top(self.search, query)
                if matched:
                    scores = await self.search.scores(self.session, matched)
            else:
                scores, corrected, matched = await self._search(query.q or "", query.as_typed)
            if not matched:
                conditions = None
        elif searching:
            scores, corrected, matched = await self._search(query.q or "", query.as_typed)
            if not matched:
                conditions = None
        if conditions is None:
            return ListResult([], None, facets=_empty_facets() if query.facets else None)

        score_col: ColumnElement[Any] = literal(0.0)
        if scores is not None:
            # An exact title match ranks first whatever the text ranking says.
            exact = exact_titles(corrected or query.q or "")
            score_col = scores.c.score + case(
                (func.lower(Product.title).in_(exact), 1000.0), else_=0.0
            )
        key_col: Any
        desc: bool
        key_col, desc = (score_col, True) if sort == "relevance" else sort_key(sort)

        # The columns a cursor needs, not whole rows: the page's cards are read by id afterwards.
        stmt = select(
            Product.id,
            Product.price_min,
            Product.title,
            Product.created_at,
            score_col.label("score"),
        ).where(*conditions)
        if scores is not None:
            stmt = stmt.join(scores, scores.c.product_id == Product.id)
        next_cursor = None
        if top is not None:
            more = len(top) > query.limit
            top = top[: query.limit]
            ids = [product_id for product_id, _ in top]
            result_scores = {product_id: float(score or 0.0) for product_id, score in top}
            if more and top:
                next_cursor = encode_cursor(sort, result_scores[ids[-1]], ids[-1])
        else:
            rows = await self._page(stmt, query, sort, score_col, key_col, desc)
            more = len(rows) > query.limit
            rows = rows[: query.limit]
            ids = [row.id for row in rows]
            result_scores = {row.id: float(row.score or 0.0) for row in rows}
            if more and rows:
                last = rows[-1]
                key_value: Any = {
                    "relevance": result_scores[last.id],
                    "price_asc": last.price_min,
                    "price_desc": last.price_min,
                    "name": last.title,
                    "newest": last.created_at,
                }[sort]
                next_cursor = encode_cursor(sort, key_value, last.id)
        if planner_hint:
            await self.session.execute(text("SET LOCAL enable_seqscan = on"))
        facets = None
        if query.facets:
            base = select(Product.id).where(*conditions)
            if scores is not None:
                base = base.join(scores, scores.c.product_id == Product.id)
            facets = await self._facets(base.subquery("matching"))
        return ListResult(ids, next_cursor, result_scores, facets, corrected)

    async def _page(
        self,
        stmt: Select[Any],
        query: ProductQuery,
        sort: str,
        score_col: ColumnElement[Any],
        key_col: Any,
        desc: bool,
    ) -> Sequence[Any]:
        """One page (plus one row, to tell whether there is more) of the filtered products."""
        if query.cursor:
            key, pid = decode_cursor(query.cursor, sort)
            # relevance: score DESC, id ASC (ties in a stable, documented order)
            if sort == "relevance":
                stmt = stmt.where(or_(score_col < key, and_(score_col == key, Product.id > pid)))
            else:
                stmt = stmt.where(after_key(key_col, Product.id, key, pid, desc))
        if sort == "relevance":
            stmt = stmt.order_by(score_col.desc(), Product.id.asc())
        elif desc:
            stmt = stmt.order_by(key_col.desc(), Product.id.desc())
        else:
            stmt = stmt.order_by(key_col.asc(), Product.id.asc())
        rows: Sequence[Any] = (await self.session.execute(stmt.limit(query.limit + 1))).all()
        return rows

    async def _facets(self, matching: Subquery) -> dict[str, Any]:
        ids = select(matching.c.id)
        # categories: counts per category, rolled up to every ancestor
        per_category = dict(
            (
                await self.session.execute(
                    select(Product.category_id, func.count())
                    .where(Product.id.in_(ids), Product.category_id.is_not(None))
                    .group_by(Product.category_id)
                )
            ).all()
        )
        categories: list[dict[str, Any]] = []
        if per_category:
            nodes = (
                await self.session.execute(
                    select(Category.id, Category.slug, Category.name, Category.path)
                )
            ).all()
            by_id = {str(n.id): n for n in nodes}
            totals: dict[str, int] = {}
            for category_id, count in per_category.items():
                node = by_id.get(str(category_id))
                if node is None:
                    continue
                for ancestor in node.path.strip("/").split("/"):
                    totals[ancestor] = totals.get(ancestor, 0) + int(count)
            for key, count in totals.items():
                node = by_id.get(key)
                if node is not None:
                    categories.append({"value": node.slug, "label": node.name, "count": count})
            categories.sort(key=lambda c: (-c["count"], c["label"]))
        # option values: distinct products having an active variant with the value
        option_rows = (
            await self.session.execute(
                select(
                    VariantOptionValue.name,
                    VariantOptionValue.value,
                    func.count(func.distinct(VariantOptionValue.product_id)),
                )
                .join(Variant, Variant.id == VariantOptionValue.variant_id)
                .where(VariantOptionValue.product_id.in_(ids), Variant.is_active.is_(True))
                .group_by(VariantOptionValue.name, VariantOptionValue.value)
            )
        ).all()
        options: dict[str, list[dict[str, Any]]] = {}
        for name, value, count in option_rows:
            options.setdefault(name, []).append({"value": value, "label": value, "count": count})
        for values in options.values():
            values.sort(key=lambda v: (-v["count"], v["value"]))
        # price buckets on the "from" price
        bucket_cols = []
        for index, (low, high) in enumerate(PRICE_BUCKETS):
            condition = Product.price_min >= low
            if high is not None:
                condition = and_(condition, Product.price_min < high)
            bucket_cols.append(func.sum(case((condition, 1), else_=0)).label(f"b{index}"))
        sums = (await self.session.execute(select(*bucket_cols).where(Product.id.in_(ids)))).one()
        price = []
        for index, (low, high) in enumerate(PRICE_BUCKETS):
            value = f"{low}-{high if high is not None else ''}"
            label = f"{low // 100}-{high // 100}" if high is not None else f"{low // 100}+"
            price.append({"value": value, "label": label, "count": int(sums[index] or 0)})
        return {"categories": categories, "options": options, "price": price}


def _empty_facets() -> dict[str, Any]:
    return {
        "categories": [],
        "options": {},
        "price": [
            {
                "value": f"{low}-{high if high is not None else ''}",
                "label": f"{low // 100}-{high // 100}" if high is not None else f"{low // 100}+",
                "count": 0,
            }
            for low, high in PRICE_BUCKETS
        ],
    }
