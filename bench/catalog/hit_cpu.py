"""A cached hit's cost in the server's own CPU: microseconds of `mercato serve` CPU (user +
system, read from /proc) per request under wrk, against the bare ASGI ceiling sending the same
bytes and headers (`ceiling.py`), alternately. On a 2-core machine wrk takes about one core, so
requests/s moves with whatever else runs; CPU per request moves much less, and shows a change of
a few µs that throughput hides. With --baseline, a second source tree (a git worktree) is served
too, in the same rounds: ceiling, baseline, this, ceiling, baseline, this, ... When the machine's
speed drifts between those runs, `hit_cpu_together.py` measures all of them at the same time.

    git worktree add /tmp/old <baseline commit>
    .venv/bin/python bench/catalog/hit_cpu.py [--baseline /tmp/old] [--products 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import httpx
from run import ceiling, database, out, seed, serve, source_trees

PATH = "/api/v1/products?limit=24"
TICK = os.sysconf("SC_CLK_TCK")


def _server_pid(port: str) -> int:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if port.encode() in cmdline and any(b"serve" in a or b"ceiling" in a for a in cmdline):
                return int(proc.name)
    raise RuntimeError(f"no server on port {port}")


def _cpu_seconds(pid: int) -> float:
    fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def measure(url: str, seconds: int, connections: int) -> tuple[float, float]:
    """(server CPU µs per request, requests/s) of one wrk run."""
    port = re.search(r":(\d+)", url.split("//", 1)[1]).group(1)  # type: ignore[union-attr]
    pid = _server_pid(port)
    before = _cpu_seconds(pid)
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    )
    spent = _cpu_seconds(pid) - before
    requests = int(re.search(r"(\d+) requests in", result.stdout).group(1))  # type: ignore[union-attr]
    return spent / requests * 1e6, requests / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=None, help="a checkout (git worktree) to compare")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    trees = source_trees(args.baseline)
    workdir = Path(tempfile.mkdtemp(prefix="bench-hit-cpu-"))
    cpu: dict[str, list[float]] = {}
    rps: dict[str, list[float]] = {}
    try:
        with database("sqlite", None, workdir) as url:
            took = seed(url, workdir / "var", args.products)
            out(f"sqlite: {args.products} products (seeded in {took:.0f} s), GET {PATH}, log INFO")
            servers = {}
            with serve(url, workdir / "var", MERCATO_LOG_LEVEL="INFO") as first:
                hit = httpx.get(first + PATH, timeout=30)
            headers = [
                [name.decode(), value.decode()]
                for name, value in hit.headers.raw
                if name.lower() != b"date"
            ]
            with ceiling(hit.content, workdir, headers) as bare:
                for _ in range(args.rounds):
                    runs = {"ceiling": bare + "/"}
                    for name, tree in trees.items():
                        os.environ["PYTHONPATH"] = str(tree)
                        servers[name] = serve(url, workdir / "var", MERCATO_LOG_LEVEL="INFO")
                        runs[name] = servers[name].__enter__() + PATH
                    try:
                        for name, target in runs.items():
                            httpx.get(target, timeout=30)  # warm the cache
                            per_request, per_second = measure(
                                target, args.seconds, args.connections
                            )
                            cpu.setdefault(name, []).append(per_request)
                            rps.setdefault(name, []).append(per_second)
                    finally:
                        for server in servers.values():
                            server.__exit__(None, None, None)
    finally:
        os.environ.pop("PYTHONPATH", None)
        shutil.rmtree(workdir, ignore_errors=True)
    out()
    out(
        f"| {args.connections} connections, {args.seconds} s, median of {args.rounds} "
        "| server CPU µs / request | req/s | ceiling's CPU / this CPU | req/s vs ceiling |"
    )
    out("|---|---:|---:|---:|---:|")
    base_cpu, base_rps = statistics.median(cpu["ceiling"]), statistics.median(rps["ceiling"])
    for name in cpu:
        c, r = statistics.median(cpu[name]), statistics.median(rps[name])
        out(f"| {name} | {c:.1f} | {r:.0f} | {base_cpu / c:.2f} | {r / base_rps:.2f} |")


if __name__ == "__main__":
    main()
