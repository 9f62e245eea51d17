"""Checkout benchmark: completed checkouts per second with the sandbox gateway, on SQLite and
PostgreSQL in one run, at 1, 8 and 32 concurrent clients, with p50/p99 latency and the oversell
count (must be 0); then `--races` flash-sale races one after the other (3 by default), each 200
buyers at once for the last 10 units of its own SKU (exactly 10 orders, every other answer a
clean 409, no 5xx; p99 of all answers against the p50 of 30 uncontended checkouts one after the
other just before it, both with the light client in rawhttp.py), and the median of their ratios.

Each backend gets a fresh database, a real `mercato serve` on a free loopback port, one SKU and
ready carts written beforehand (untimed); the timed phase is only `POST /api/v1/checkout`. The
stock is smaller than the number of attempts in the last round, so the last round also races for
the final units: oversell = orders beyond the initial stock, or any negative/over-reserved level.

On PostgreSQL `mercato serve` runs `--workers` processes (default: one per core, at most 4: the
production default), SQLite one. Last, the floor: 32 clients across 50 SKUs on PostgreSQL against
Mercato and against `floor.py` (a bare ASGI app doing only a checkout's essential writes with
asyncpg), the same number of processes each, in `--floor-rounds` pairs whose order alternates
(read the median ratio: this machine's speed drifts within minutes).

    .venv/bin/python bench/checkout/run.py [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
        [--workers N] [--races 3] [--floor-rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import rawhttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

LEVELS = {1: 60, 8: 240, 32: 480}  # concurrent clients -> checkouts attempted
SPREAD_SKUS, SPREAD_CLIENTS, SPREAD_PER_SKU = (
    50,
    32,
    13,
)  # the floor comparison: 650 checkouts
FLOOR_APP = Path(__file__).with_name("floor.py")
SKU = "BENCH-1"
RACE_SKU, RACE_STOCK, RACE_BUYERS = "RACE", 10, 200
RACE_ROUNDS = 3  # races one after the other, each for its own SKU, each after its own singles
SINGLE_SKU, SINGLE_CHECKOUTS = (
    "SINGLE-1",
    30,
)  # the race's yardstick, with the race's client
ADDRESS = {
    "first_name": "Bench",
    "last_name": "Mark",
    "line1": "Teststr. 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}


@dataclass
class Round:
    backend: str
    clients: int
    attempted: int
    created: int
    rejected: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return 0.0
        return data[min(len(data) - 1, round(q * (len(data) - 1)))] * 1000


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _sync_url(url: str) -> str:
    parsed = make_url(url)
    driver = "postgresql+psycopg" if parsed.get_backend_name() == "postgresql" else "sqlite"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _create_schema(env: dict[str, str]) -> None:
    """The migrations, as an operator would run them (serve refuses an unstamped schema)."""
    mercato = Path(sys.executable).with_name("mercato")
    subprocess.run([str(mercato), "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)


@dataclass
class Race:
    backend: str
    buyers: int
    orders: int
    conflicts: int  # 409
    server_errors: int  # 5xx
    other: int
    latencies: list[float]  # every answer, seconds
    single: list[float]  # uncontended checkouts one after the other, same client, seconds

    def pct(self, q: float, data: list[float] | None = None) -> float:
        data = sorted(self.latencies if data is None else data)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else 0.0

    @property
    def single_p50(self) -> float:
        return self.pct(0.5, self.single) or 1.0


async def _seed(
    env: dict[str, str],
    stock: int,
    carts: int,
    sku: str = SKU,
    title: str = "Benchmark mug",
) -> list[str]:
    from mercato.bootstrap import build_container
    from mercato.cart import service as cart_service
    from mercato.catalog import service as catalog_service
    from mercato.catalog.schemas import ProductCreate, VariantCreate
    from mercato.platform.config import Settings

    settings = Settings(
        database_url=env["MERCATO_DATABASE_URL"], data_dir=Path(env["MERCATO_DATA_DIR"])
    )
    container = build_container(settings)
    ids: list[str] = []
    try:
        async with container.db.session() as session:
            await catalog_service.create_product(
                session,
                ProductCreate(
                    title=title,
                    status="active",
                    variants=[VariantCreate(sku=sku, price=1500, weight_grams=300, stock=stock)],
                ),
                currency="EUR",
            )
        async with container.db.session() as session:
            for i in range(carts):
                cart, _ = await cart_service.create_cart(session, settings, customer_id=None)
                await cart_service.add_line(session, settings, cart, sku=sku, quantity=1)
                await cart_service.set_details(
                    session,
                    settings,
                    cart,
                    email=f"bench-{sku.lower()}-{i}@example.com",
                    shipping_address=ADDRESS,
                    billing_address=ADDRESS,
                    shipping_method="standard",
                )
                ids.append(str(cart.id))
    finally:
        await container.aclose()
    return ids


def _level(url: str, sku: str = SKU) -> tuple[int, int, int]:
    """on hand, reserved, and the orders that hold this SKU."""
    engine = create_engine(_sync_url(url))
    with engine.connect() as conn:
        on_hand, reserved = conn.execute(
            text("SELECT on_hand, reserved FROM stock_level WHERE sku = :sku"),
            {"sku": sku},
        ).one()
        orders = conn.execute(
            text("SELECT count(DISTINCT order_id) FROM order_line WHERE sku = :sku"),
            {"sku": sku},
        ).scalar_one()
    engine.dispose()
    return int(on_hand), int(reserved), int(orders)


async def _race(port: int, carts: list[str], single_carts: list[str], backend: str) -> Race:
    """Every buyer at once, one connection each (opened beforehand), with the light client; and,
    with the same client just before, the uncontended checkouts the race is compared with."""
    single = await rawhttp.one_by_one("127.0.0.1", port, single_carts)
    assert all(a.status == 201 for a in single), [a.status for a in single]
    answers = await rawhttp.race("127.0.0.1", port, carts)
    codes = [a.status for a in answers]
    return Race(
        backend,
        len(carts),
        codes.count(201),
        codes.count(409),
        sum(code >= 500 for code in codes),
        sum(code not in (201, 409) and code < 500 for code in codes),
        [a.seconds for a in answers],
        [a.seconds for a in single],
    )


async def _round(base: str, carts: list[str], clients: int, backend: str) -> Round:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for cart_id in carts:
        queue.put_nowait(cart_id)
    latencies: list[float] = []
    counts = {"created": 0, "rejected": 0, "errors": 0}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def worker() -> None:
            while True:
                try:
                    cart_id = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                response = await client.post(
                    "/api/v1/checkout",
                    json={"cart_id": cart_id},
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                elapsed = time.perf_counter() - started
                if response.status_code == 201:
                    counts["created"] += 1
                    latencies.append(elapsed)
                elif response.status_code in (409, 503):
                    counts["rejected"] += 1
                else:
                    counts["errors"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        seconds = time.perf_counter() - started
    return Round(
        backend,
        clients,
        len(carts),
        counts["created"],
        counts["rejected"],
        counts["errors"],
        seconds,
        latencies,
    )


async def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError("mercato serve exited")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("mercato serve did not start")


async def bench_backend(
    backend: str, url: str, workdir: Path, workers: int = 1, races: int = RACE_ROUNDS
) -> tuple[list[Round], int, list[Race]]:
    attempts = sum(LEVELS.values())
    stock = attempts - 40  # the last round also races for the final units
    env = {
        **os.environ,
        "MERCATO_ENV": "development",
        "MERCATO_DATABASE_URL": url,
        "MERCATO_DATA_DIR": str(workdir / "var"),
        "MERCATO_LOG_LEVEL": "ERROR",
        "MERCATO_WORKER__RELAY_AFTER_COMMIT": "false",
    }
    _create_schema(env)
    carts = await _seed(env, stock, attempts)
    race_skus = [f"{RACE_SKU}-{n}" for n in range(1, races + 1)]
    race_carts = [
        await _seed(env, RACE_STOCK, RACE_BUYERS, sku, f"Flash-sale lamp {sku}")
        for sku in race_skus
    ]
    single_carts = [
        await _seed(env, 1000, SINGLE_CHECKOUTS, f"{SINGLE_SKU}-{n}", f"Desk lamp {n}")
        for n in range(1, races + 1)
    ]
    port = _free_port()
    mercato = Path(sys.executable).with_name("mercato")
    proc = subprocess.Popen(
        [
            str(mercato),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            f"{workers}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rounds: list[Round] = []
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_ready(base, proc)
        offset = 0
        for clients, count in LEVELS.items():
            rounds.append(await _round(base, carts[offset : offset + count], clients, backend))
            offset += count
        raced = [
            await _race(port, buyers, singles, backend)
            for buyers, singles in zip(race_carts, single_carts, strict=True)
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    on_hand, reserved, orders = _level(url)
    oversell = max(0, orders - stock) + (1 if reserved > on_hand or on_hand < 0 else 0)
    for sku in race_skus:
        on_hand, reserved, orders = _level(url, sku)
        oversell += max(0, orders - RACE_STOCK) + (1 if reserved > on_hand or on_hand < 0 else 0)
    return rounds, oversell, raced


@dataclass
class Spread:
    """32 clients across 50 SKUs on PostgreSQL: Mercato against the floor, same load generator."""

    workers: int
    mercato: Round
    floor: Round


def _serve(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def _spread_round(base: str, proc: subprocess.Popen[bytes], carts: list[str]) -> Round:
    try:
        await _wait_ready(base, proc)
        return await _round(base, carts, SPREAD_CLIENTS, "spread")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _spread_env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MERCATO_ENV": "development",
        "MERCATO_DATABASE_URL": url,
        "MERCATO_DATA_DIR": str(data_dir),
        "MERCATO_LOG_LEVEL": "ERROR",
        "MERCATO_WORKER__RELAY_AFTER_COMMIT": "false",
    }


async def _mercato_spread(pg_base: str, workdir: Path, workers: int) -> Round:
    """Mercato: the same `mercato serve` as above, `workers` processes, a fresh database."""
    skus = [f"SPREAD-{i:02d}" for i in range(SPREAD_SKUS)]
    url, drop = _pg_database(pg_base)
    try:
        env = _spread_env(url, workdir / "mercato")
        _create_schema(env)
        carts: list[str] = []
        for sku in skus:
            carts += await _seed(env, SPREAD_PER_SKU, SPREAD_PER_SKU, sku, f"Mug {sku}")
        carts = [carts[i] for i in _interleave(SPREAD_SKUS, SPREAD_PER_SKU)]
        port = _free_port()
        mercato = Path(sys.executable).with_name("mercato")
        proc = _serve(
            [
                str(mercato),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env,
        )
        return await _spread_round(f"http://127.0.0.1:{port}", proc, carts)
    finally:
        drop()


async def _floor_spread(pg_base: str, workdir: Path, workers: int) -> Round:
    """The floor: a fresh database with the same schema and stock, the same uvicorn."""
    skus = [f"SPREAD-{i:02d}" for i in range(SPREAD_SKUS)]
    url, drop = _pg_database(pg_base)
    try:
        env = _spread_env(url, workdir / "floor")
        _create_schema(env)
        for sku in skus:
            await _seed(env, SPREAD_PER_SKU, 0, sku, f"Mug {sku}")
        floor_carts = {str(uuid.uuid4()): sku for sku in skus for _ in range(SPREAD_PER_SKU)}
        ordered = list(floor_carts)
        ordered = [ordered[i] for i in _interleave(SPREAD_SKUS, SPREAD_PER_SKU)]
        carts_file = workdir / "floor-carts.json"
        carts_file.write_text(json.dumps(floor_carts))
        port = _free_port()
        floor_env = {
            **env,
            "FLOOR_DATABASE_URL": make_url(url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False),
            "FLOOR_CARTS": str(carts_file),
        }
        uvicorn = Path(sys.executable).with_name("uvicorn")
        proc = _serve(
            [
                str(uvicorn),
                "floor:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "error",
            ],
            floor_env,
            cwd=FLOOR_APP.parent,
        )
        return await _spread_round(f"http://127.0.0.1:{port}", proc, ordered)
    finally:
        drop()


async def bench_spread(pg_base: str, workdir: Path, workers: int, rounds: int) -> list[Spread]:
    """`rounds` Mercato/floor pairs, the order alternating (this machine's speed drifts within
    minutes, so one pair decides nothing): read the median ratio."""
    pairs: list[Spread] = []
    for n in range(rounds):
        if n % 2 == 0:
            mercato_round = await _mercato_spread(pg_base, workdir, workers)
            floor_round = await _floor_spread(pg_base, workdir, workers)
        else:
            floor_round = await _floor_spread(pg_base, workdir, workers)
            mercato_round = await _mercato_spread(pg_base, workdir, workers)
        pairs.append(Spread(workers, mercato_round, floor_round))
    return pairs


def _interleave(groups: int, per_group: int) -> list[int]:
    """Indexes that visit the groups round-robin, so concurrent clients hit different SKUs."""
    return [g * per_group + i for i in range(per_group) for g in range(groups)]


def _pg_database(base_url: str) -> tuple[str, Any]:
    name = f"mercato_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_sync_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(drivername="postgresql+asyncpg", database=name)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("MERCATO_TEST_DATABASE_URL", ""),
        help="PostgreSQL server to create a throw-away database on (skipped when empty)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        help="API processes on PostgreSQL (the levels, the race, and the floor comparison for "
        "Mercato and the floor alike); SQLite always runs one",
    )
    parser.add_argument(
        "--races",
        type=int,
        default=RACE_ROUNDS,
        help="flash-sale races per backend, one after the other (read the median ratio: the "
        "single checkout's own p50 swings between rounds)",
    )
    parser.add_argument(
        "--floor-rounds",
        type=int,
        default=3,
        help="Mercato/floor pairs on PostgreSQL (order alternating; the median ratio is the one)",
    )
    args = parser.parse_args()
    results: list[tuple[str, list[Round], int, list[Race]]] = []
    spread: list[Spread] = []
    with tempfile.TemporaryDirectory(prefix="mercato-bench-") as tmp:
        sqlite_dir = Path(tmp) / "sqlite"
        sqlite_dir.mkdir()
        sqlite_url = f"sqlite+aiosqlite:///{sqlite_dir / 'bench.db'}"
        results.append(
            (
                "sqlite",
                *await bench_backend("sqlite", sqlite_url, sqlite_dir, races=args.races),
            )
        )
        if args.pg_url:
            pg_url, drop = _pg_database(args.pg_url)
            try:
                pg_dir = Path(tmp) / "pg"
                pg_dir.mkdir()
                # PostgreSQL with the production default of `mercato serve` (one process a core)
                results.append(
                    (
                        "postgresql",
                        *await bench_backend(
                            "postgresql", pg_url, pg_dir, args.workers, args.races
                        ),
                    )
                )
            finally:
                drop()
            spread = await bench_spread(args.pg_url, Path(tmp), args.workers, args.floor_rounds)
    _out(
        "| backend | clients | attempted | checkouts (201) | rejected (409/503) | errors "
        "| checkouts/s | p50 ms | p99 ms |"
    )
    _out("|---|---|---|---|---|---|---|---|---|")
    for backend, rounds, *_ in results:
        for r in rounds:
            _out(
                f"| {backend} | {r.clients} | {r.attempted} | {r.created} | {r.rejected} | "
                f"{r.errors} | {r.per_second:.1f} | {r.pct(0.5):.1f} | {r.pct(0.99):.1f} |"
            )
    for backend, rounds, oversell, _ in results:
        base = rounds[0].per_second or 1.0
        ratios = ", ".join(f"{r.clients}: {r.per_second / base:.2f}x" for r in rounds)
        _out(f"\n{backend}: oversell = {oversell}; throughput vs 1 client: {ratios}")
    _out(
        f"\nRace: {RACE_BUYERS} buyers at once for the last {RACE_STOCK} units (p50/p99 over "
        f"every answer; single = the p50 of {SINGLE_CHECKOUTS} uncontended checkouts one after "
        "the other just before, same light client: bench/checkout/rawhttp.py)\n"
    )
    _out(
        "| backend | race | orders | 409 | 5xx | other | p50 ms | p99 ms | single p50 ms "
        "| p99/single |"
    )
    _out("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    medians = []
    for backend, _, _, raced in results:
        for n, race in enumerate(raced, start=1):
            single = race.single_p50
            _out(
                f"| {backend} | {n} | {race.orders} | {race.conflicts} | {race.server_errors} | "
                f"{race.other} | {race.pct(0.5):.1f} | {race.pct(0.99):.1f} | {single:.1f} | "
                f"{race.pct(0.99) / single:.1f}x |"
            )
        ratios = [race.pct(0.99) / race.single_p50 for race in raced]
        medians.append(f"{backend} {statistics.median(ratios):.1f}x")
    _out(f"median p99/single: {', '.join(medians)}")
    if len(results) == 2:
        ratio = ", ".join(
            f"{a.clients}: {b.per_second / (a.per_second or 1):.2f}x"
            for a, b in zip(results[0][1], results[1][1], strict=True)
        )
        _out(f"postgresql / sqlite checkouts/s: {ratio}")
    if spread:
        _out(
            f"\nFloor: {SPREAD_CLIENTS} clients across {SPREAD_SKUS} SKUs on PostgreSQL, "
            f"{spread[0].workers} API process(es) each, {len(spread)} rounds (order alternating)\n"
        )
        _out(
            "| round | app | attempted | checkouts (201) | errors | checkouts/s | p50 ms | p99 ms |"
        )
        _out("|---:|---|---:|---:|---:|---:|---:|---:|")
        ratios = []
        for n, pair in enumerate(spread, start=1):
            for name, r in (("mercato", pair.mercato), ("floor", pair.floor)):
                _out(
                    f"| {n} | {name} | {r.attempted} | {r.created} | {r.errors} | "
                    f"{r.per_second:.1f} | {r.pct(0.5):.1f} | {r.pct(0.99):.1f} |"
                )
            ratios.append(pair.mercato.per_second / (pair.floor.per_second or 1))
        listed = ", ".join(f"{r:.2f}" for r in ratios)
        _out(f"mercato / floor checkouts/s: {listed}; median {statistics.median(ratios):.2f}")
    if any(oversell for _, _, oversell, _ in results):
        sys.exit(1)


if __name__ == "__main__":
    asyncio.run(main())
