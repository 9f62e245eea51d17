"""PostgreSQL ranks a public relevance search in its search table alone (`PostgresSearch.top`).
It must give exactly the pages the general path (join, then rank) gives, cursors included, and
follow every change of what it copies: publishing, unpublishing, renaming."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from mercato.bootstrap import Container
from mercato.catalog import service
from mercato.catalog.models import Product
from mercato.catalog.repository import ProductQuery, ProductRepository
from mercato.catalog.schemas import ProductUpdate
from tests.factories import create_product

QUERIES = ["shirt", "linen shirt", "flanel", "shrit", "boot", "wool co", "shirts", "zzqxv"]


@pytest.fixture
def postgres_only(db_backend: str) -> None:
    if db_backend != "postgresql":
        pytest.skip("PostgreSQL's search path; SQLite has one path")


async def _pages(
    container: Container, q: str, *, general: bool, limit: int = 3, as_typed: bool = False
) -> list[Any]:
    """Every page of the search, as (titles, scores, corrected query)."""
    pages: list[Any] = []
    cursor = None
    while True:
        async with container.db.session(write=False) as session:
            repository = ProductRepository(session)
            if general:
                repository._ranks_in_search_table = lambda _query: False  # type: ignore[method-assign,assignment]
            result = await repository.list(
                ProductQuery(q=q, limit=limit, cursor=cursor, as_typed=as_typed)
            )
            titles = dict(
                (
                    await session.execute(
                        select(Product.id, Product.title).where(Product.id.in_(result.ids))
                    )
                ).all()
            )
        pages.append(
            (
                [titles[product_id] for product_id in result.ids],
                [round(result.scores[product_id], 9) for product_id in result.ids],
                result.corrected_query,
            )
        )
        cursor = result.next_cursor
        if cursor is None:
            return pages


async def test_both_paths_give_the_same_pages(postgres_only: None, container: Container) -> None:
    for n, title in enumerate(
        [
            "Linen Shirt",
            "Shirt",
            "Oxford Shirt",
            "Flannel Shirt",
            "Wool Coat",
            "Wool Cowl",
            "Leather Boots",
            "Boot Laces",
            "Shirt Linen Blend",
        ]
    ):
        await create_product(container, title=title, description=f"A shirt or not, number {n}.")
    await create_product(container, title="Draft Shirt", status="draft")
    for q in QUERIES:
        fast = await _pages(container, q, general=False)
        general = await _pages(container, q, general=True)
        assert fast == general, q
        fast = await _pages(container, q, general=False, as_typed=True)
        assert fast == await _pages(container, q, general=True, as_typed=True), q
        assert {page[2] for page in fast} == {None}, q  # never corrected
    everything = [t for page in await _pages(container, "shirt", general=False) for t in page[0]]
    assert "Draft Shirt" not in everything
    assert everything[0] == "Shirt"  # the exact title first
    assert len(everything) == len(set(everything)) == 9  # every match once, across pages
    typo = await _pages(container, "shrit", general=False)  # corrected, over several pages
    assert len(typo) > 1
    assert {page[2] for page in typo} == {"shirt"}
    assert await _pages(container, "shrit", general=False, as_typed=True) == [([], [], None)]


async def test_the_search_table_follows_status_and_title(
    postgres_only: None, container: Container
) -> None:
    product = await create_product(container, title="Harbour Jacket")

    async def found(q: str) -> list[str]:
        return [t for page in await _pages(container, q, general=False) for t in page[0]]

    assert await found("harbour") == ["Harbour Jacket"]
    async with container.db.session() as session:
        await service.update_product(
            session, product.id, ProductUpdate(status="draft"), expected_version=None
        )
    assert await found("harbour") == []
    async with container.db.session() as session:
        await service.update_product(
            session,
            product.id,
            ProductUpdate(status="active", title="Harbour Coat"),
            expected_version=None,
        )
    assert await found("harbour coat") == ["Harbour Coat"]
    assert await found("jacket") == []
