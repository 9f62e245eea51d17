"""How fast can a miss be? The default product list, in one run, side by side:

- Mercato's cached hit (32 connections, as `run.py` measures it) and its miss (cache off, 4
  connections);
- `bare_reads.py` (4 connections): a bare ASGI app that reads the same page from the database
  on every request, with Mercato's card statement (`cards`) or from stored JSON documents, one
  per product (`docs`, written here into `bench_card_doc` from Mercato's own cards).

The bare apps are the bound for any miss that makes one database round trip: they skip FastAPI,
the middleware, SQLAlchemy and the unit of work entirely.

    .venv/bin/python bench/catalog/miss_bound.py [--pg-url postgresql+asyncpg://...] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

import httpx
from run import bench_app, database, out, seed, serve, sync_url, wrk
from sqlalchemy import create_engine, text

from mercato.catalog import cards
from mercato.catalog.models import Product

LIST = "/api/v1/products?limit=24"


def store_docs(url: str) -> int:
    """`bench_card_doc`: every product's card as Mercato serialises it, with the list's keys."""
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS bench_card_doc"))
            connection.execute(
                text(
                    "CREATE TABLE bench_card_doc (id VARCHAR(36) PRIMARY KEY, "
                    "status VARCHAR(20) NOT NULL, created_at TIMESTAMP NOT NULL, doc TEXT NOT NULL)"
                )
            )
            rows = connection.execute(cards._card_columns().add_columns(Product.status)).all()
            docs = [
                {
                    "id": str(row[0]),
                    "status": row[-1],
                    "created_at": row[6],
                    "doc": cards.dump(cards._card(tuple(row[:-1]), "EUR")).decode(),
                }
                for row in rows
            ]
            connection.execute(
                text(
                    "INSERT INTO bench_card_doc (id, status, created_at, doc) "
                    "VALUES (:id, :status, :created_at, :doc)"
                ),
                docs,
            )
            connection.execute(
                text(
                    "CREATE INDEX ix_bench_card_doc_newest ON bench_card_doc "
                    "(created_at DESC, id DESC) WHERE status = 'active'"
                )
            )
        with engine.begin() as connection:
            connection.execute(text("ANALYZE bench_card_doc"))
        return len(docs)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    for backend in backends:
        workdir = Path(tempfile.mkdtemp(prefix="bench-miss-bound-"))
        try:
            with database(backend, args.pg_url, workdir) as url:
                took = seed(url, workdir / "var", args.products)
                stored = store_docs(url)
                out(f"### {backend}: {args.products} products (seeded in {took:.0f} s)")
                out()
                results: dict[str, list[float]] = {}
                for _ in range(args.rounds):
                    with serve(url, workdir / "var") as base:
                        httpx.get(base + LIST, timeout=30)
                        results.setdefault("hit", []).append(wrk(base + LIST, 32, args.seconds)[0])
                    with serve(
                        url, workdir / "var", MERCATO_CATALOG__CACHE_ENABLED="false"
                    ) as base:
                        httpx.get(base + LIST, timeout=30)
                        results.setdefault("miss", []).append(wrk(base + LIST, 4, args.seconds)[0])
                    for mode in ("cards", "docs"):
                        with bench_app("bare_reads.py", url, mode) as base:
                            results.setdefault(mode, []).append(wrk(base + "/", 4, args.seconds)[0])
                hit = statistics.median(results["hit"])
                labels = {
                    "hit": "Mercato, cached hit, 32 connections",
                    "miss": "Mercato, cache off, 4 connections",
                    "cards": "bare app, Mercato's card statement, 4 connections",
                    "docs": f"bare app, stored documents ({stored}), 4 connections",
                }
                out(f"| {LIST}, median of {args.rounds} | req/s | rounds | vs the hit |")
                out("|---|---:|---|---:|")
                for key, label in labels.items():
                    median = statistics.median(results[key])
                    rounds = " ".join(f"{value:.0f}" for value in results[key])
                    out(f"| {label} | {median:.0f} | {rounds} | {median / hit:.2f} |")
                out()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
