"""A plain product list (every active product, one of the sorts, `limit` and `cursor` only) is
one prebuilt statement (`queries.plain_list`), and on a cache miss the edge computes it itself
(`fastpath.PlainListMisses`). Both must give exactly what the general listing gives."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from mercato.bootstrap import Container
from mercato.catalog import cards, queries
from mercato.catalog.fastpath import CatalogCacheAnswers, PlainListMisses, plain_list_query
from mercato.catalog.models import Product, ProductCard
from mercato.catalog.repository import ProductQuery, ProductRepository, encode_cursor
from mercato.platform.clock import utcnow
from mercato.platform.db import QuickReadBusy
from tests.factories import create_product
from tests.integration.catalog.twin_apps import assert_answered_alike, shipped_and_routed

URL = "/api/v1/products"
SORTS = ["newest", "price_asc", "price_desc", "name"]
STABLE = {"x-request-id", "date"}


async def _general_page(container: Container, query: ProductQuery) -> dict[str, Any]:
    """What the general listing (the repository's page, then its cards) gives for `query`."""
    async with container.db.session(write=False) as session:
        result = await ProductRepository(session).list(query)
        items = await cards.cards(session, result.ids, "EUR")
    return {
        "items": items,
        "next_cursor": result.next_cursor,
        "facets": None,
        "corrected_query": None,
    }


@pytest.fixture
async def twins(container: Container) -> list[str]:
    """Products that tie on every sort key: the same title, price and creation time, and a
    draft among them."""
    titles = []
    for n in range(7):
        product = await create_product(
            container, title="Twin Lamp" if n % 2 else f"Lamp {n}", price=1500 if n < 5 else 900
        )
        titles.append(product.title)
    await create_product(container, title="Draft Lamp", price=1500, status="draft")
    async with container.db.session() as session:
        await session.execute(update(Product).values(created_at=utcnow().replace(microsecond=0)))
    return titles


@pytest.mark.parametrize("sort", SORTS)
async def test_a_plain_page_is_the_general_listings_page(
    container: Container, twins: list[str], sort: str
) -> None:
    cursor = None
    seen: list[str] = []
    while True:
        query = ProductQuery(sort=sort, cursor=cursor, limit=2)  # type: ignore[arg-type]
        assert query.is_plain
        async with container.db.one_read() as connection:
            plain = await queries.plain_list(connection, sort, cursor, 2, "EUR")
        assert cards.dump(plain) == cards.dump(await _general_page(container, query))
        raw = await queries.quick_plain_list(container.db, sort, cursor, 2, "EUR")
        assert cards.dump(raw) == cards.dump(plain)
        seen += [item["title"] for item in json.loads(cards.dump(plain))["items"]]
        cursor = plain["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(twins)  # every active product once, the draft never


async def test_the_edge_computes_a_plain_list_miss_as_the_full_stack_would(
    client: httpx.AsyncClient, container: Container, twins: list[str]
) -> None:
    answers = CatalogCacheAnswers(container.catalog_cache, 0, PlainListMisses(container.db, "EUR"))
    for query in (b"limit=3", b"sort=price_asc&limit=2", b"sort=relevance", b""):
        answer = await answers(URL, query, None)
        assert answer is not None, query
        # `facets=false` keeps the same page on the full stack's way
        full = await client.get(f"{URL}?{query.decode()}&facets=false")
        assert (answer.status, answer.body) == (200, full.content)
        assert dict(answer.headers)[b"x-cache"] == b"MISS"
        assert dict(answer.headers)[b"etag"] == full.headers["etag"].encode()
    cursor = (await client.get(URL, params={"limit": 2})).json()["next_cursor"]
    second = await answers(URL, f"limit=2&cursor={cursor}".encode(), None)
    assert second is not None
    full = await client.get(URL, params={"limit": 2, "cursor": cursor, "facets": "false"})
    assert second.body == full.content


@pytest.mark.parametrize("sort", SORTS)
async def test_pages_with_cards_not_stored_are_the_general_listings_pages(
    container: Container, twins: list[str], sort: str
) -> None:
    """The edge reads its pages raw (ADR 0056); products whose card is not stored (or is in
    another currency) are computed, and the page, its order and its cursor stay the same."""
    async with container.db.session() as session:
        some = (await session.execute(select(Product.id).limit(4))).scalars().all()
        await session.execute(delete(ProductCard).where(ProductCard.product_id.in_(some[:2])))
        await session.execute(
            update(ProductCard).where(ProductCard.product_id.in_(some[2:])).values(currency="USD")
        )
    for limit in (3, 8):
        query = ProductQuery(sort=sort, limit=limit)  # type: ignore[arg-type]
        edge = await queries.plain_first_page(container.db, sort, limit, "EUR")
        assert cards.dump(edge) == cards.dump(await _general_page(container, query))
        while (cursor := edge["next_cursor"]) is not None:  # the later pages, read raw too
            query = ProductQuery(sort=sort, cursor=cursor, limit=limit)  # type: ignore[arg-type]
            edge = await queries.quick_plain_list(container.db, sort, cursor, limit, "EUR")
            assert cards.dump(edge) == cards.dump(await _general_page(container, query))


async def test_a_plain_list_miss_at_the_edge_has_the_full_stacks_headers_and_is_cached(
    client: httpx.AsyncClient, twins: list[str]
) -> None:
    edge = await client.get(URL, params={"limit": 3})
    full = await client.get(URL, params={"limit": 3, "facets": "false"})
    assert (edge.headers["x-cache"], full.headers["x-cache"]) == ("MISS", "MISS")
    assert edge.content == full.content
    stable = {k: v for k, v in edge.headers.items() if k not in STABLE}
    assert stable == {k: v for k, v in full.headers.items() if k not in STABLE}
    hit = await client.get(URL, params={"limit": 3})
    assert (hit.headers["x-cache"], hit.content) == ("HIT", edge.content)
    not_modified = await client.get(
        URL, params={"limit": 3}, headers={"If-None-Match": edge.headers["etag"]}
    )
    assert not_modified.status_code == 304


async def test_a_new_product_shows_on_the_next_plain_list(
    client: httpx.AsyncClient, container: Container, twins: list[str]
) -> None:
    before = await client.get(URL, params={"limit": 1})
    await create_product(container, title="Brand New Lamp", price=100)
    after = await client.get(URL, params={"limit": 1})
    assert after.headers["x-cache"] == "MISS"
    assert [item["title"] for item in after.json()["items"]] == ["Brand New Lamp"]
    assert after.content != before.content


@pytest.mark.parametrize(
    "query",
    [
        b"limit=0",
        b"limit=101",
        b"limit=024",
        b"limit=abc",
        b"limit=",
        b"limit=2&limit=3",
        b"sort=random",
        b"sort=newest&q=lamp",
        b"facets=false",
        b"category=lamps",
        b"utm_source=mail",
        b"cursor=not-base64!!",
        b"cursor=eyJzIjoibmV3ZXN0In0",  # valid base64, not a cursor
        b"limit=2%00",
        b"sort=price%5Fasc",
        b"limit=2&",
    ],
)
def test_anything_but_a_plain_query_the_api_accepts_as_it_is_goes_to_the_full_stack(
    query: bytes,
) -> None:
    assert plain_list_query(query) is None


def test_a_plain_query_is_read_as_the_router_reads_it() -> None:
    assert plain_list_query(b"") == ProductQuery()
    assert plain_list_query(b"limit=100&sort=name") == ProductQuery(limit=100, sort="name")
    relevance = plain_list_query(b"sort=relevance")
    assert relevance is not None
    assert relevance.effective_sort == "newest"  # no search: relevance is newest


class _Failing:
    """A database whose every read fails with `error`: a first page's raw read, and the raw
    reads of the pages after it."""

    engine = SimpleNamespace(dialect=sqlite.dialect())

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def quick_raw_rows(self, sql: str) -> list[Any]:
        raise self.error

    @asynccontextmanager
    async def quick_raw(self) -> AsyncIterator[Any]:
        raise self.error
        yield


# a first page (its statement's text read raw) and a later one (`quick_raw`)
PAGES = [b"limit=2", b"limit=2&cursor=" + encode_cursor("newest", utcnow(), uuid.uuid4()).encode()]


@pytest.mark.parametrize("query", PAGES)
async def test_a_database_failure_at_the_edge_leaves_the_request_to_the_full_stack(
    container: Container, query: bytes
) -> None:
    down = _Failing(OperationalError("SELECT", {}, ConnectionRefusedError("database down")))
    answers = CatalogCacheAnswers(container.catalog_cache, 0, PlainListMisses(down, "EUR"))  # type: ignore[arg-type]
    assert await answers(URL, query, None) is None


@pytest.mark.parametrize("query", PAGES)
async def test_a_locked_sqlite_at_the_edge_leaves_the_request_to_the_full_stack(
    container: Container, query: bytes
) -> None:
    """The edge's quick read gives up after its short busy timeout; the router reads again
    through the ordinary engine, which waits the ordinary one (ADR 0056)."""
    locked = _Failing(QuickReadBusy())
    answers = CatalogCacheAnswers(container.catalog_cache, 0, PlainListMisses(locked, "EUR"))  # type: ignore[arg-type]
    assert await answers(URL, query, None) is None


@pytest.mark.parametrize("query", PAGES)
async def test_no_free_connection_is_a_503_at_the_edge_not_a_second_wait(
    container: Container, query: bytes
) -> None:
    """The full stack would wait for a connection as long again before the same answer."""
    busy = _Failing(PoolTimeout("QueuePool limit of size 20 overflow 0 reached, timed out"))
    answers = CatalogCacheAnswers(container.catalog_cache, 0, PlainListMisses(busy, "EUR"))  # type: ignore[arg-type]
    answer = await answers(URL, query, None)
    assert answer is not None
    assert answer.status == 503
    headers = dict(answer.headers)
    assert headers[b"retry-after"] == b"1"
    assert headers[b"content-type"] == b"application/problem+json"
    problem = json.loads(answer.body)
    assert (problem["code"], problem["status"], problem["instance"]) == (
        "database_busy",
        503,
        URL,
    )


def _query_strings(cursors: list[str], count: int) -> list[str]:
    """Query strings from the list's parameters, valid and not, some the edge takes, some it
    leaves: a fixed seed, so a failure is reproducible."""
    values = {
        "limit": ["1", "2", "24", "100", "101", "0", "024", "-1", "1e2", "", "2.0", "%32", "+3"],
        "sort": [
            "newest",
            "price_asc",
            "price_desc",
            "name",
            "relevance",
            "random",
            "NAME",
            "price%5Fasc",
            "",
        ],
        "cursor": [*cursors, "not-base64!!", "eyJzIjoibmV3ZXN0In0", "x" * 501, ""],
        "facets": ["false", "true"],
        "in_stock": ["true"],
        "utm_source": ["mail"],
    }
    rng = random.Random(16)
    names = list(values)
    weights = [6, 6, 6, 1, 1, 1]
    out = []
    for _ in range(count):
        pairs = [
            (name, rng.choice(values[name]))
            for name in rng.choices(names, weights, k=rng.randint(0, 3))
        ]
        out.append("&".join(f"{name}={value}" for name, value in pairs))
    return out


async def test_whatever_the_query_the_edge_answers_as_the_full_stack_does(
    db_url: str, tmp_path: Path, twins: list[str]
) -> None:
    """The same database served twice, the cache off: once as shipped, once with the edge's
    plain-list misses switched off (every request through the router). Every answer the same:
    the status, and the body or the problem's code."""
    async with shipped_and_routed(db_url, tmp_path) as (shipped, routed):
        first = (await routed.get(URL, params={"limit": 2})).json()["next_cursor"]
        by_price = await routed.get(URL, params={"limit": 2, "sort": "price_asc"})
        cursors = [first, by_price.json()["next_cursor"]]
        queries = _query_strings(cursors, 150)
        taken = [q for q in queries if plain_list_query(q.encode()) is not None]
        assert len(taken) >= 30  # the edge computes a fair share of them itself
        for query in queries:
            await assert_answered_alike(shipped, routed, f"{URL}?{query}")
