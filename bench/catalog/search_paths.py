"""PostgreSQL search: ranking in the search table alone vs the general join-then-rank, one run.

Against an existing, seeded database (the query path only: no HTTP, no response cache), each of
the bench queries is run through `queries.list_products` both ways, interleaved, and the p50 of
each is printed with their ratio. Seed once, then measure:

    MERCATO_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench100k \\
        .venv/bin/mercato db upgrade
    MERCATO_DATABASE_URL=… .venv/bin/mercato demo seed --products 100000
    .venv/bin/python bench/catalog/search_paths.py \\
        postgresql+asyncpg://postgres@127.0.0.1:5432/bench100k --rounds 160
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from mercato.bootstrap import build_container
from mercato.catalog import queries
from mercato.catalog.repository import ProductQuery, ProductRepository
from mercato.platform.config import Settings

QUERIES = [
    "linen shirt",
    "merino",
    "jaket",
    "boots",
    "cashmere scarf",
    "wool co",
    "lamp",
    "sneakrs",
]


async def measure(url: str, rounds: int) -> None:
    container = build_container(Settings(database_url=url, log_level="WARNING"))
    fast_path = ProductRepository.__dict__["_ranks_in_search_table"]  # the staticmethod
    timings: dict[str, dict[str, list[float]]] = {
        path: {q: [] for q in QUERIES} for path in ("search table", "join then rank")
    }
    try:
        for i in range(rounds + len(QUERIES)):  # the first pass warms up, not counted
            q = QUERIES[i % len(QUERIES)]
            for path in timings:
                general = path == "join then rank"
                ProductRepository._ranks_in_search_table = (  # type: ignore[method-assign]
                    staticmethod(lambda _q: False) if general else fast_path
                )
                start = time.perf_counter()
                async with container.db.session(write=False) as session:
                    await queries.list_products(session, ProductQuery(q=q, limit=24), "EUR")
                if i >= len(QUERIES):
                    timings[path][q].append((time.perf_counter() - start) * 1000)
    finally:
        ProductRepository._ranks_in_search_table = fast_path  # type: ignore[method-assign]
        await container.aclose()
    sys.stdout.write("| query | search table p50 ms | join then rank p50 ms | ratio |\n")
    sys.stdout.write("|---|---:|---:|---:|\n")
    for q in QUERIES:
        a = statistics.median(timings["search table"][q])
        b = statistics.median(timings["join then rank"][q])
        sys.stdout.write(f"| {q} | {a:.1f} | {b:.1f} | {a / b:.2f} |\n")
    every = {path: [v for vs in by_q.values() for v in vs] for path, by_q in timings.items()}
    a, b = (
        statistics.median(every["search table"]),
        statistics.median(every["join then rank"]),
    )
    sys.stdout.write(f"| **all** | **{a:.1f}** | **{b:.1f}** | **{a / b:.2f}** |\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--rounds", type=int, default=160)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("PostgreSQL only: SQLite ranks in its FTS5 table already")
    asyncio.run(measure(args.database_url, args.rounds))


if __name__ == "__main__":
    main()
