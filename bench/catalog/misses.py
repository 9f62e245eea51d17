"""What a catalog miss costs in process, side by side in one run (ADR 0049):

- **cards**: a list page's cards read in one statement and serialised by orjson (today), against
  the former assembly (whole ORM `Product` rows, then images, variants, stock and categories in
  four more queries, pydantic models, pydantic's serialiser), kept below as the baseline;
- **SQLite trips**: the same reads through aiosqlite as shipped against the one-trip connection
  (`platform/sqlite_driver.py`).

No server: the read functions are awaited directly, a unit of work each, on a demo store seeded
by `mercato demo seed` (a fresh SQLite file, and a throw-away PostgreSQL database with
--pg-url). Rounds alternate the variants; the figure is the median µs per read.

    .venv/bin/python bench/catalog/misses.py [--pg-url postgresql+asyncpg://…] [--products 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

BACKEND = Path(__file__).resolve().parents[2] / "backend"
sys.path.insert(0, str(BACKEND / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import database, out, seed  # noqa: E402
from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from mercato.catalog import cards, queries  # noqa: E402
from mercato.catalog.models import Category, Product, ProductImage, Variant  # noqa: E402
from mercato.catalog.repository import ProductQuery, ProductRepository  # noqa: E402
from mercato.catalog.schemas import (  # noqa: E402
    CategoryRef,
    ImageRead,
    Money,
    ProductPage,
    ProductSummary,
)
from mercato.inventory import service as inventory  # noqa: E402
from mercato.platform.db import Database  # noqa: E402

Read = Callable[[Database], Awaitable[Any]]


# ------------------------------------------------------------- the former list (the baseline)


async def _former_summaries(
    session: AsyncSession, products: Sequence[Product], currency: str
) -> list[ProductSummary]:
    ids = [p.id for p in products]
    images: dict[uuid.UUID, ImageRead] = {}
    for image in await session.scalars(
        select(ProductImage)
        .where(ProductImage.product_id.in_(ids))
        .order_by(ProductImage.product_id, ProductImage.position.desc())
    ):
        images[image.product_id] = ImageRead(
            url=image.url,
            alt=image.alt,
            position=image.position,
            width=image.width,
            height=image.height,
        )
    variant_rows = (
        await session.execute(
            select(Variant.product_id, Variant.sku, Variant.price, Variant.compare_at_price).where(
                Variant.product_id.in_(ids), Variant.is_active.is_(True)
            )
        )
    ).all()
    stock = await inventory.available(session, [r.sku for r in variant_rows])
    in_stock: dict[uuid.UUID, bool] = {}
    compare_at: dict[uuid.UUID, int] = {}
    for row in variant_rows:
        if stock.get(row.sku, 0) > 0:
            in_stock[row.product_id] = True
        if row.compare_at_price and row.compare_at_price > row.price:
            compare_at[row.product_id] = max(
                compare_at.get(row.product_id, 0), row.compare_at_price
            )
    category_ids = {p.category_id for p in products if p.category_id}
    categories = {
        r.id: CategoryRef(id=r.id, name=r.name, slug=r.slug)
        for r in await session.execute(
            select(Category.id, Category.name, Category.slug).where(Category.id.in_(category_ids))
        )
    }
    return [
        ProductSummary(
            id=p.id,
            title=p.title,
            slug=p.slug,
            brand=p.brand,
            price=Money(amount=p.price_min, currency=currency),
            price_max=Money(amount=p.price_max, currency=currency),
            compare_at_price=(
                Money(amount=compare_at[p.id], currency=currency) if p.id in compare_at else None
            ),
            image=images.get(p.id),
            in_stock=in_stock.get(p.id, False),
            category=categories.get(p.category_id) if p.category_id else None,
            created_at=p.created_at,
        )
        for p in products
    ]


async def former_list(db: Database) -> bytes:
    async with db.session(write=False) as session:
        result = await ProductRepository(session).list(ProductQuery(limit=24))
        loaded = {
            p.id: p
            for p in await session.scalars(select(Product).where(Product.id.in_(result.ids)))
        }
        products = [loaded[i] for i in result.ids]
        page = ProductPage(
            items=await _former_summaries(session, products, "EUR"), next_cursor=result.next_cursor
        )
    return page.model_dump_json().encode()


# ------------------------------------------------------------- today's reads


async def select_one(db: Database) -> None:
    async with db.session(write=False) as session:
        await session.execute(text("SELECT 1"))


def list_page(query: ProductQuery) -> Read:
    async def read(db: Database) -> bytes:
        async with db.session(write=False) as session:
            return cards.dump(await queries.list_products(session, query, "EUR"))

    return read


def product_page(slug: str) -> Read:
    async def read(db: Database) -> bytes:
        async with db.session(write=False) as session:
            return cards.dump(await queries.product_page(session, "EUR", slug=slug))

    return read


async def timed(read: Read, db: Database, iterations: int) -> float:
    started = time.perf_counter()
    for _ in range(iterations):
        await read(db)
    return (time.perf_counter() - started) / iterations * 1e6


async def compare(
    label: str, variants: list[tuple[str, Read, Database]], rounds: int, iterations: int
) -> None:
    for _name, read, db in variants:  # warm every cache and connection first
        for _ in range(10):
            await read(db)
    samples: dict[str, list[float]] = {name: [] for name, _read, _db in variants}
    for _ in range(rounds):
        for name, read, db in variants:
            samples[name].append(await timed(read, db, iterations))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians[variants[0][0]]
    for name, value in medians.items():
        out(f"| {label} | {name} | {value:,.0f} | {base / value:.2f}x |")


async def run(url: str, rounds: int, iterations: int) -> None:
    sqlite = url.startswith("sqlite")
    today = Database.from_url(url)
    stock_driver = Database.from_url(url, sqlite_one_trip=False) if sqlite else today
    async with today.session(write=False) as session:
        slug = (await session.scalars(select(Product.slug).limit(1))).one()
    newest = list_page(ProductQuery(limit=24))
    search = list_page(ProductQuery(q="linen shirt", limit=24))
    out("| read | variant | µs per read (median) | x the first |")
    out("|---|---|---:|---:|")
    await compare(
        "list page, 24 cards",
        [("former assembly", former_list, today), ("cards", newest, today)],
        rounds,
        iterations,
    )
    if sqlite:
        for label, read in (
            ("unit of work, SELECT 1", select_one),
            ("list page, 24 cards", newest),
            ("search page", search),
            ("product page", product_page(slug)),
        ):
            await compare(
                label,
                [("aiosqlite as shipped", read, stock_driver), ("one trip", read, today)],
                rounds,
                iterations,
            )
    else:
        for label, read in (("search page", search), ("product page", product_page(slug))):
            await compare(label, [("today", read, today)], rounds, iterations)
    await today.dispose()
    if stock_driver is not today:
        await stock_driver.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg-url")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=100)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp, database(backend, args.pg_url, Path(tmp)) as url:
            took = seed(url, Path(tmp), args.products)
            out(f"\n#### {backend}: {args.products} products (seeded in {took:.0f} s)\n")
            asyncio.run(run(url, args.rounds, args.iterations))


if __name__ == "__main__":
    main()
