"""`queries.quick_search` (the edge's miss of a public relevance search, one statement read raw
through `Database.raw_read`) gives the very pages `list_products` gives through the repository,
on both databases: ranks, ties, exact titles first, cursors, unpublished products left out,
cards stored or not; and it leaves an empty page (a typo to correct) to the repository. The
edge answers the search URLs it knows and leaves the others to the router."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from httpx import AsyncClient
from sqlalchemy import delete

from mercato.bootstrap import Container
from mercato.catalog import cards, queries
from mercato.catalog.fastpath import search_query
from mercato.catalog.models import ProductCard
from mercato.catalog.repository import ProductQuery
from tests.factories import create_product
from tests.integration.catalog.twin_apps import assert_answered_alike, shipped_and_routed

QUERIES = ["shirt", "linen shirt", "Linen Shirt", "wool co", "boot", "shirts", "number 3"]


async def _seed(container: Container) -> None:
    titles = ["Linen Shirt", "Shirt", "Oxford Shirt", "Wool Coat", "Wool Cowl", "Leather Boots"]
    titles += ["Twin Shirt"] * 4  # the same text, so the same score: ties ordered by id
    for n, title in enumerate(titles):
        await create_product(container, title=title, description=f"A shirt or not, number {n}.")
    await create_product(container, title="Draft Shirt", status="draft")


async def _quick_pages(container: Container, q: str, limit: int) -> list[bytes]:
    currency = container.settings.catalog.currency
    pages, cursor = [], None
    while True:
        page = await queries.quick_search(container.db, q, cursor, limit, currency)
        pages.append(cards.dump(page))
        if (cursor := page["next_cursor"]) is None:
            return pages


async def _full_pages(container: Container, q: str, limit: int) -> list[bytes]:
    currency = container.settings.catalog.currency
    pages, cursor = [], None
    while True:
        async with container.db.session(write=False) as session:
            page = await queries.list_products(
                session, ProductQuery(q=q, limit=limit, cursor=cursor), currency
            )
        pages.append(cards.dump(page))
        if (cursor := page["next_cursor"]) is None:
            return pages


@pytest.mark.parametrize("stored_cards", [True, False])
async def test_every_page_equals_the_repositorys(container: Container, stored_cards: bool) -> None:
    await _seed(container)
    if not stored_cards:
        async with container.db.session() as session:
            await session.execute(delete(ProductCard))
    for q in QUERIES:
        for limit in (1, 3, 24):
            quick = await _quick_pages(container, q, limit)
            assert quick == await _full_pages(container, q, limit), (q, limit)
    titles = [
        item["title"]
        for page in await _quick_pages(container, "shirt", 2)
        for item in orjson.loads(page)["items"]
    ]
    assert titles[0] == "Shirt"  # an exact title first
    assert "Draft Shirt" not in titles
    assert len(titles) == len(set(titles)) + 3 == 10  # every match once (the four twins too)


@pytest.mark.parametrize("q", ["shrit", "zzqxv", "!!!"])
async def test_an_empty_page_is_left_to_the_repository(container: Container, q: str) -> None:
    await _seed(container)
    with pytest.raises(queries.NotQuick):
        await queries.quick_search(container.db, q, None, 24, "EUR")


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        (b"q=linen+shirt", ProductQuery(q="linen shirt")),
        (b"q=%20linen%20&limit=5&sort=relevance", ProductQuery(q="linen", limit=5)),
        (b"q=caf%C3%A9", ProductQuery(q="café")),
        (b"q=linen&as_typed=true", ProductQuery(q="linen", as_typed=True)),
        (b"as_typed=false&q=linen", ProductQuery(q="linen")),
        (b"q=linen&as_typed=True", None),  # the router's 422
        (b"q=linen&as_typed=1", None),
        (b"q=linen&as_typed=", None),
        (b"q=linen&as_typed=true&as_typed=true", None),
        (b"q=linen&sort=newest", None),  # another sort: the repository's
        (b"q=linen&facets=true", None),
        (b"q=linen&category=shirts", None),
        (b"q=linen&q=shirt", None),
        (b"q=%20%20", None),
        (b"q=" + b"a" * 201, None),  # the router's 422
        (b"q=a%00b", None),
        (b"q=a%FFb", None),  # not UTF-8
        (b"q=linen&limit=0", None),
        (b"q=linen&limit=101", None),
        (b"q=linen&cursor=not-a-cursor", None),
        (b"limit=5", None),
    ],
)
def test_the_edge_takes_only_the_search_urls_the_api_accepts_as_they_are(
    query_string: bytes, expected: ProductQuery | None
) -> None:
    assert search_query(query_string) == expected


async def test_the_edge_answers_a_search_miss_as_the_router_does(
    container: Container, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(container)
    expected = (await _full_pages(container, "shirt", 2))[0]
    routed = queries.list_products

    async def not_routed(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the edge answers this search")

    monkeypatch.setattr(queries, "list_products", not_routed)
    first = await client.get("/api/v1/products", params={"q": "shirt", "limit": 2})
    assert first.status_code == 200
    assert first.content == expected
    assert first.json()["items"][0]["title"] == "Shirt"
    typed = await client.get(
        "/api/v1/products", params={"q": "shirt", "limit": 2, "as_typed": "true"}
    )
    assert typed.content == expected  # as typed or not: the same page, the edge's
    monkeypatch.setattr(queries, "list_products", routed)
    typo = await client.get("/api/v1/products", params={"q": "shrit"})  # the router corrects it
    assert typo.status_code == 200
    assert typo.json()["corrected_query"] == "shirt"
    literal = await client.get("/api/v1/products", params={"q": "shrit", "as_typed": "true"})
    assert literal.status_code == 200  # an empty page: the router's, which does not correct it
    assert (literal.json()["items"], literal.json()["corrected_query"]) == ([], None)
    too_long = await client.get("/api/v1/products", params={"q": "a" * 201})
    assert too_long.status_code == 422


def _search_query_strings(cursors: list[str], count: int) -> list[str]:
    """Search URLs' query strings, valid and not, some the edge takes, some it leaves: a fixed
    seed, so a failure is reproducible."""
    values = {
        "q": [
            "shirt",
            "linen+shirt",
            "Linen%20Shirt",
            "wool+co",
            "shrit",  # a typo: the router corrects it
            "zzqxv",
            "%22shirt%22+OR+*",  # FTS and tsquery syntax is only ever words
            "shirt%3A*+%26+%21boot",
            "caf%C3%A9",
            "%FF",
            "a%00b",
            "%20",
            "",
            "x" * 201,
            "number+3",
        ],
        "limit": ["1", "2", "24", "100", "101", "0", "-1", "", "%32"],
        "sort": ["relevance", "newest", "RELEVANCE", ""],
        "cursor": [*cursors, "not-base64!!", "eyJzIjoicmVsZXZhbmNlIn0", ""],
        "facets": ["true", "false"],
        "category": ["shirts"],
        "as_typed": ["true", "false", "True", "1", ""],
    }
    rng = random.Random(17)
    names = list(values)
    weights = [12, 6, 2, 4, 1, 1, 3]
    out = []
    for _ in range(count):
        pairs = [("q", rng.choice(values["q"]))] if rng.random() < 0.9 else []
        pairs += [
            (name, rng.choice(values[name]))
            for name in rng.choices(names, weights, k=rng.randint(0, 3))
        ]
        rng.shuffle(pairs)
        out.append("&".join(f"{name}={value}" for name, value in pairs))
    return out


async def test_whatever_the_search_the_edge_answers_as_the_full_stack_does(
    db_url: str, tmp_path: Path, container: Container
) -> None:
    """The same database served twice, the cache off: once as shipped, once with every miss
    computed by the router. Every answer the same: the status, and the body or the problem's
    code."""
    await _seed(container)
    async with shipped_and_routed(db_url, tmp_path) as (shipped, routed):
        first = await routed.get("/api/v1/products", params={"q": "shirt", "limit": 2})
        cursors = [first.json()["next_cursor"]]
        strings = _search_query_strings(cursors, 150)
        taken = [q for q in strings if search_query(q.encode()) is not None]
        assert len(taken) >= 20  # the edge takes a fair share of them itself
        for query in strings:
            await assert_answered_alike(shipped, routed, f"/api/v1/products?{query}")
