"""Catalog benchmark, in one run:

1. Throughput and latency with wrk (32 connections) against `mercato serve` on the 10,000-product
   demo store, warm cache: the product list (`?limit=24`), a product page and a search query,
   each run right after two runs of a bare ASGI app returning the list's body (the ceiling:
   once with only content-type and content-length, once with every header of Mercato's hit),
   medians of a few rounds; then the same URLs with the response cache off at 4
   connections (misses), on SQLite and PostgreSQL.
2. Search latency (cache off, one client, rotating queries incl. a typo) at 1k, 10k and 100k
   products on SQLite and PostgreSQL, to show how the cost grows.

    .venv/bin/python bench/catalog/run.py --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
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


def source_trees(baseline: str | None) -> dict[str, Path]:
    """The source trees a bench compares: this checkout's as "this", after a baseline
    checkout's (a git worktree) when one is given."""
    this = {"this": Path(__file__).resolve().parents[2] / "backend" / "src"}
    return {"baseline": Path(baseline) / "backend" / "src", **this} if baseline else this


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sync_url(url: str) -> str:
    parsed = make_url(url)
    driver = "postgresql+psycopg" if parsed.get_backend_name() == "postgresql" else "sqlite"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


@contextmanager
def database(backend: str, pg_url: str | None, workdir: Path) -> Iterator[str]:
    """A fresh database with the schema: a SQLite file or a throw-away PostgreSQL database."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'mercato.db'}"
        admin = None
        name = ""
    else:
        assert pg_url
        name = f"mercato_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(sync_url(pg_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    subprocess.run(  # the migrations, as an operator would (serve refuses an unstamped schema)
        [str(BIN / "mercato"), "db", "upgrade"],
        env=env_for(url, workdir / "var"),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield url
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def env_for(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "MERCATO_DATABASE_URL": url,
            "MERCATO_DATA_DIR": str(data_dir),
            "MERCATO_LOG_LEVEL": "WARNING",
            "MERCATO_ENV": "development",
        }
    )
    env.update(extra)
    return env


def seed(url: str, data_dir: Path, products: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "mercato"),
            "demo",
            "seed",
            "--products",
            str(products),
            "--seed",
            "1",
        ],
        env=env_for(url, data_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


@contextmanager
def serve(url: str, data_dir: Path, **extra: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "mercato"), "serve", "--port", str(port), "--workers", "1"],
        env=env_for(url, data_dir, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/healthz", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


@contextmanager
def ceiling(body: bytes, workdir: Path, headers: list[list[str]] | None = None) -> Iterator[str]:
    """The bare app serving `body`; with `headers`, header for header Mercato's response."""
    body_file = workdir / "ceiling.json"
    body_file.write_bytes(body)
    extra: list[str] = []
    if headers is not None:
        headers_file = workdir / "ceiling-headers.json"
        headers_file.write_text(json.dumps(headers))
        extra = [str(headers_file)]
    with bench_app("ceiling.py", str(body_file), *extra) as base:
        yield base


@contextmanager
def bench_app(script: str, *args: str) -> Iterator[str]:
    """A bare app of this directory (`script PORT ARGS...`), served while the block runs."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "python"), str(Path(__file__).with_name(script)), str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, connections: int, seconds: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from `wrk --latency`."""
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    text_out = result.stdout
    if "Non-2xx" in text_out:
        raise RuntimeError(f"non-2xx answers from {url}:\n{text_out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text_out).group(1))  # type: ignore[union-attr]

    def pct(label: str) -> float:
        match = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", text_out)
        assert match, text_out
        return float(match.group(1)) * _UNITS[match.group(2)]

    return rps, pct("50"), pct("99")


def throughput(
    backend: str,
    pg_url: str | None,
    products: int,
    seconds: int,
    connections: int,
    log_levels: list[str],
    rounds: int,
    miss_connections: int,
    caches: list[str],
) -> None:
    """Cached hits against the ceiling, interleaved (ceiling, URL, ceiling, URL, ...: each pair
    sees the same machine), then the same URLs with the response cache off (misses)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-catalog-{backend}-"))
    try:
        with database(backend, pg_url, workdir) as url:
            took = seed(url, workdir / "var", products)
            out(f"### {backend}: {products} products (seeded in {took:.0f} s)")
            out()
            hits: dict[str, list[tuple[float, float, float, float, float]]] = {}
            ceilings: list[float] = []
            same_ceilings: list[float] = []
            variants = [(level, cache) for cache in caches for level in log_levels]
            for level, cache in variants:  # each its own server, the same URLs
                extra = {"MERCATO_LOG_LEVEL": level}
                if cache != "memory":
                    extra["MERCATO_REDIS_URL"] = cache
                    extra["MERCATO_CACHE_NAMESPACE"] = f"bench{uuid.uuid4().hex[:8]}"
                with serve(url, workdir / "var", **extra) as base:
                    targets = catalog_targets(base)
                    hit = httpx.get(base + targets[0][1], timeout=30)
                    # uvicorn adds its own Date header to both
                    same = [
                        [name.decode(), value.decode()]
                        for name, value in hit.headers.raw
                        if name.lower() != b"date"
                    ]
                    with (
                        ceiling(hit.content, workdir) as bare,
                        ceiling(hit.content, workdir, same) as bare_same,
                    ):
                        for _label, path in targets:
                            httpx.get(base + path, timeout=30)  # warm the cache
                        for _ in range(rounds):
                            for label, path in targets:
                                tagged = label
                                if len(log_levels) > 1:
                                    tagged += f" (log {level})"
                                if cache != "memory":
                                    tagged += " (Redis)"
                                bare_rps = wrk(bare + "/", connections, seconds)[0]
                                same_rps = wrk(bare_same + "/", connections, seconds)[0]
                                rps, p50, p99 = wrk(base + path, connections, seconds)
                                ceilings.append(bare_rps)
                                same_ceilings.append(same_rps)
                                hits.setdefault(tagged, []).append(
                                    (rps, p50, p99, rps / bare_rps, rps / same_rps)
                                )
            out(
                f"| endpoint ({connections} connections, {seconds} s, warm cache; median of "
                f"{rounds}, each run right after the two ceiling runs) | req/s | p50 ms | p99 ms "
                "| vs ceiling | vs ceiling, same headers |"
            )
            out("|---|---:|---:|---:|---:|---:|")
            out(
                "| bare ASGI, the list's body (ceiling: content-type and content-length) | "
                f"{statistics.median(ceilings):.0f} | | | 100% | |"
            )
            out(
                "| bare ASGI, the list's body and every header of its hit (ceiling, same headers) "
                f"| {statistics.median(same_ceilings):.0f} | | | | 100% |"
            )
            for label, runs in hits.items():
                rps, p50, p99, ratio, same_ratio = (
                    statistics.median(col) for col in zip(*runs, strict=True)
                )
                out(
                    f"| {label} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {ratio:.0%} "
                    f"| {same_ratio:.0%} |"
                )
            out()
            cached = {
                label.split(" (")[0]: statistics.median(r[0] for r in runs)
                for label, runs in hits.items()
                if ("(log" not in label or "(log INFO)" in label) and "(Redis)" not in label
            }
            with serve(url, workdir / "var", MERCATO_CATALOG__CACHE_ENABLED="false") as base:
                out(
                    f"| cache off, log INFO ({miss_connections} connections, {seconds} s; median "
                    f"of {rounds}) | req/s | p50 ms | p99 ms | vs the cached hit |"
                )
                out("|---|---:|---:|---:|---:|")
                for label, path in catalog_targets(base):
                    httpx.get(base + path, timeout=30)  # connections and query plans
                    runs = [wrk(base + path, miss_connections, seconds) for _ in range(rounds)]
                    rps, p50, p99 = (statistics.median(col) for col in zip(*runs, strict=True))
                    versus = f"{rps / cached[label]:.2f}" if label in cached else ""
                    out(f"| {label} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {versus} |")
            out()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def catalog_targets(base: str) -> list[tuple[str, str]]:
    slug = httpx.get(base + "/api/v1/products?limit=24", timeout=30).json()["items"][0]["slug"]
    return [
        ("GET /api/v1/products?limit=24", "/api/v1/products?limit=24"),
        (f"GET /api/v1/products/{slug}", f"/api/v1/products/{slug}"),
        ("GET /api/v1/products?q=linen+shirt", "/api/v1/products?q=linen+shirt"),
    ]


def search_scaling(backend: str, pg_url: str | None, sizes: list[int], rounds: int) -> None:
    out(f"### Search latency, {backend} (cache off, 1 client, {rounds} queries per size)")
    out()
    out("| products | seeded in s | p50 ms | p90 ms | p99 ms | typo p50 ms |")
    out("|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-search-{backend}-"))
        try:
            with database(backend, pg_url, workdir) as url:
                took = seed(url, workdir / "var", size)
                with serve(url, workdir / "var", MERCATO_CATALOG__CACHE_ENABLED="false") as base:
                    latencies: list[float] = []
                    typo: list[float] = []
                    with httpx.Client(base_url=base, timeout=60) as client:
                        for q in QUERIES:  # warm connections and query plans
                            client.get("/api/v1/products", params={"q": q})
                        for n in range(rounds):
                            q = QUERIES[n % len(QUERIES)]
                            started = time.perf_counter()
                            response = client.get("/api/v1/products", params={"q": q})
                            elapsed = (time.perf_counter() - started) * 1000
                            response.raise_for_status()
                            latencies.append(elapsed)
                            if q in ("jaket", "sneakrs"):
                                typo.append(elapsed)
            qs = statistics.quantiles(latencies, n=100)
            out(
                f"| {size} | {took:.0f} | {statistics.median(latencies):.1f} | {qs[89]:.1f} | "
                f"{qs[98]:.1f} | {statistics.median(typo):.1f} |"
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    out()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg-url", default=os.environ.get("MERCATO_TEST_DATABASE_URL"))
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=200, help="searches per size")
    parser.add_argument(
        "--throughput-rounds",
        type=int,
        default=3,
        help="wrk runs per URL (median reported)",
    )
    parser.add_argument(
        "--miss-connections",
        type=int,
        default=4,
        help="connections for the cache-off runs",
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument(
        "--log-levels",
        default="INFO",
        help="comma-separated MERCATO_LOG_LEVEL values for the throughput runs (INFO: the default)",
    )
    parser.add_argument(
        "--redis-url",
        default=None,
        help="also measure cached hits with the response cache in Redis (several API processes)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None and not args.skip_throughput:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    out(f"catalog benchmark, {time.strftime('%Y-%m-%d %H:%M')} UTC, {os.cpu_count()} CPUs")
    out()
    if not args.skip_throughput:
        for backend in backends:
            throughput(
                backend,
                args.pg_url,
                args.products,
                args.seconds,
                args.connections,
                args.log_levels.split(","),
                args.throughput_rounds,
                args.miss_connections,
                ["memory"] + ([args.redis_url] if args.redis_url else []),
            )
    if not args.skip_search:
        sizes = [int(s) for s in args.sizes.split(",")]
        for backend in backends:
            search_scaling(backend, args.pg_url, sizes, args.rounds)


if __name__ == "__main__":
    main()
