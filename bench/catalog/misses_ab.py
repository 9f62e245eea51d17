"""Cache-off catalog reads, two source trees side by side in one run: did a change make misses
faster? Seeds one demo store (`mercato demo seed`, SQLite, or a throw-away PostgreSQL database
with --pg-url), then serves it with the baseline tree and with this checkout, alternately
(baseline then this, this then baseline, ...: each pair sees the same machine, and neither
always goes first), and runs wrk against the three miss URLs of `run.py` (list, product page,
search) and the list's second page (a cursor) at 4 connections.

    git worktree add /tmp/old <baseline commit>
    .venv/bin/python bench/catalog/misses_ab.py --baseline /tmp/old [--pg-url …] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

import httpx
from run import catalog_targets, database, out, seed, serve, source_trees, wrk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="a checkout (git worktree) to compare")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    trees = source_trees(args.baseline)
    backend = "postgresql" if args.pg_url else "sqlite"
    workdir = Path(tempfile.mkdtemp(prefix="bench-misses-"))
    runs: dict[tuple[str, str], list[float]] = {}
    try:
        with database(backend, args.pg_url, workdir) as url:
            took = seed(url, workdir / "var", args.products)
            out(f"{backend}: {args.products} products (seeded in {took:.0f} s), cache off")
            for round_number in range(args.rounds):
                # Which tree goes first alternates: whichever ran second ran faster, by up to a
                # fifth, with the same code in both trees (a warmer machine).
                order = list(trees.items())
                for name, tree in order if round_number % 2 == 0 else order[::-1]:
                    os.environ["PYTHONPATH"] = str(tree)
                    with serve(
                        url, workdir / "var", MERCATO_CATALOG__CACHE_ENABLED="false"
                    ) as base:
                        for label, path in [*catalog_targets(base), later_page(base)]:
                            httpx.get(base + path, timeout=30)  # connections and query plans
                            rps = wrk(base + path, args.connections, args.seconds)[0]
                            runs.setdefault((label, name), []).append(rps)
    finally:
        os.environ.pop("PYTHONPATH", None)
        shutil.rmtree(workdir, ignore_errors=True)
    out()
    out(
        f"| cache off, {args.connections} connections, median of {args.rounds} "
        "| baseline req/s | this req/s | this / baseline |"
    )
    out("|---|---:|---:|---:|")
    for label in dict.fromkeys(label for label, _ in runs):
        before = statistics.median(runs[(label, "baseline")])
        after = statistics.median(runs[(label, "this")])
        out(f"| {label} | {before:.0f} | {after:.0f} | {after / before:.2f} |")


def later_page(base: str) -> tuple[str, str]:
    """The list's second page (a cursor: "load more", a crawler walking the catalog)."""
    first = httpx.get(base + "/api/v1/products?limit=24", timeout=30).json()
    path = f"/api/v1/products?limit=24&cursor={first['next_cursor']}"
    return ("GET /api/v1/products?limit=24&cursor=<second page>", path)


if __name__ == "__main__":
    main()
