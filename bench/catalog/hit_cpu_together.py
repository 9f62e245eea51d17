"""`hit_cpu.py`, with every server measured at the same time: the ceiling, the baseline tree and
this tree each get their own wrk (1 thread, 16 connections) for the same seconds, and each
server's CPU per request is read from /proc. On a shared 2-core machine whose speed drifts from
one minute to the next, servers measured one after the other land in different phases; measured
together they share every phase, so their ratio holds still even when the absolute figures move.

    git worktree add /tmp/old <baseline commit>
    .venv/bin/python bench/catalog/hit_cpu_together.py --baseline /tmp/old [--rounds 6]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path

import httpx
from hit_cpu import PATH, _cpu_seconds, _server_pid
from run import ceiling, database, out, seed, serve, source_trees


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default=None, help="a checkout (git worktree) to compare")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    trees = source_trees(args.baseline)
    workdir = Path(tempfile.mkdtemp(prefix="bench-hit-together-"))
    cpu: dict[str, list[float]] = {}
    try:
        with database("sqlite", None, workdir) as url, ExitStack() as servers:
            took = seed(url, workdir / "var", args.products)
            out(f"sqlite: {args.products} products (seeded in {took:.0f} s), GET {PATH}, log INFO")
            targets = {}
            for name, tree in trees.items():
                os.environ["PYTHONPATH"] = str(tree)
                base = servers.enter_context(serve(url, workdir / "var", MERCATO_LOG_LEVEL="INFO"))
                targets[name] = base + PATH
            os.environ.pop("PYTHONPATH", None)
            hit = httpx.get(targets["this"], timeout=30)
            headers = [
                [name.decode(), value.decode()]
                for name, value in hit.headers.raw
                if name.lower() != b"date"
            ]
            targets = {
                "ceiling": servers.enter_context(ceiling(hit.content, workdir, headers)) + "/",
                **targets,
            }
            pids = {}
            for name, target in targets.items():
                httpx.get(target, timeout=30)  # warm the cache
                port = re.search(r":(\d+)/", target).group(1)  # type: ignore[union-attr]
                pids[name] = _server_pid(port)
            for _ in range(args.rounds):
                before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
                runs = {
                    name: subprocess.Popen(
                        ["wrk", "-t1", "-c16", f"-d{args.seconds}s", target],
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                    for name, target in targets.items()
                }
                for name, run in runs.items():
                    stdout = run.communicate()[0]
                    requests = int(re.search(r"(\d+) requests in", stdout).group(1))  # type: ignore[union-attr]
                    spent = _cpu_seconds(pids[name]) - before[name]
                    cpu.setdefault(name, []).append(spent / requests * 1e6)
    finally:
        os.environ.pop("PYTHONPATH", None)
        shutil.rmtree(workdir, ignore_errors=True)
    out()
    out(
        f"| all at once, wrk -t1 -c16 each, {args.seconds} s, median of {args.rounds} "
        "| server CPU µs / request | rounds | ceiling's CPU / this CPU |"
    )
    out("|---|---:|---|---:|")
    ceiling_cpu = statistics.median(cpu["ceiling"])
    for name, values in cpu.items():
        median = statistics.median(values)
        rounds = " ".join(f"{v:.1f}" for v in values)
        out(f"| {name} | {median:.1f} | {rounds} | {ceiling_cpu / median:.2f} |")


if __name__ == "__main__":
    main()
