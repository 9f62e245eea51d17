"""A cached hit's own code, without a server: CPU µs per `GET /api/v1/products?limit=24` sent
straight to the ASGI app (the edge, the cache lookup, the request id, the metrics, the access
line written to /dev/null), with a loop turn every 8 requests so per-turn work is paid as under
load. Free of the socket and HTTP parsing that dominate `hit_cpu.py`, so a change of 1 µs shows.
With --baseline, a second source tree (a git worktree) runs in the same rounds, alternately.

    git worktree add /tmp/old <baseline commit>
    .venv/bin/python bench/catalog/hit_inprocess.py [--baseline /tmp/old] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from run import BIN, database, env_for, out, seed, source_trees

PATH = "/api/v1/products?limit=24"
REQUESTS = 20_000
SCOPE = {
    "type": "http",
    "method": "GET",
    "path": "/api/v1/products",
    "raw_path": b"/api/v1/products",
    "query_string": b"limit=24",
    "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"wrk")],
    "scheme": "http",
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 80),
    "http_version": "1.1",
    "root_path": "",
    "asgi": {"version": "3.0"},
}


async def _measure() -> float:
    """µs of process CPU per cached hit (run in a child process, stdout on /dev/null)."""
    from mercato.main import create_app

    app = create_app()
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async with app.router.lifespan_context(app):
        for _ in range(200):  # the first request fills the cache; the rest warm up
            await app(dict(SCOPE), receive, send)
        statuses.clear()
        started = time.process_time()
        for i in range(REQUESTS):
            await app(dict(SCOPE), receive, send)
            if i % 8 == 7:
                await asyncio.sleep(0)
        spent = time.process_time() - started
        await asyncio.sleep(0)
    if statuses != [200] * REQUESTS:
        raise SystemExit(f"not every request was a 200: {sorted(set(statuses))}")
    return spent / REQUESTS * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default=None, help="a checkout (git worktree) to compare")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = source_trees(args.baseline)
    workdir = Path(tempfile.mkdtemp(prefix="bench-hit-inprocess-"))
    per_hit: dict[str, list[float]] = {}
    try:
        with database("sqlite", None, workdir) as url:
            took = seed(url, workdir / "var", args.products)
            out(f"sqlite: {args.products} products (seeded in {took:.0f} s), GET {PATH}")
            env = env_for(url, workdir / "var", MERCATO_LOG_LEVEL="INFO")
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    result = subprocess.run(
                        [str(BIN / "python"), __file__, "--child"],
                        env={**env, "PYTHONPATH": str(tree)},
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                        text=True,
                        check=True,
                    )
                    per_hit.setdefault(name, []).append(float(result.stderr.split()[-1]))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out()
    out(
        f"| in process, {REQUESTS} hits a round | CPU µs per hit, median of {args.rounds} "
        "| rounds | vs the first |"
    )
    out("|---|---:|---|---:|")
    first = statistics.median(next(iter(per_hit.values())))
    for name, values in per_hit.items():
        median = statistics.median(values)
        rounds = " ".join(f"{v:.1f}" for v in values)
        out(f"| {name} | {median:.1f} | {rounds} | {median / first:.2f} |")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        per_request = asyncio.run(_measure())
        sys.stderr.write(f"{per_request:.3f}\n")
    else:
        os.environ.pop("PYTHONPATH", None)
        main()
