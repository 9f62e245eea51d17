"""The catalog response cache: invalidation across processes, Redis outages, single-flight."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis

from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from mercato.platform.cache import CacheUnavailable, MemoryCache, RedisCache
from mercato.platform.response_cache import ResponseCache
from tests.conftest import make_settings
from tests.factories import auth_headers, create_product, create_user


async def _client(container: Container) -> httpx.AsyncClient:
    app = create_app(container.settings, container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def two_instances(
    db_url: str, tmp_path: Path, redis_url: str
) -> AsyncIterator[tuple[Container, Container]]:
    """Two API 'processes' (separate containers and apps) sharing one database and Redis."""
    settings = make_settings(db_url, tmp_path, redis_url=redis_url)
    first, second = build_container(settings), build_container(settings)
    try:
        yield first, second
    finally:
        await first.aclose()
        await second.aclose()


async def test_update_on_one_instance_is_seen_by_the_other(
    two_instances: tuple[Container, Container],
) -> None:
    first, second = two_instances
    product = await create_product(first, title="Desk Lamp", price=3900)
    staff = auth_headers(first, await create_user(first, role="staff"))
    async with await _client(first) as a, await _client(second) as b:
        assert (await b.get("/api/v1/products/desk-lamp")).json()["title"] == "Desk Lamp"
        cached = await b.get("/api/v1/products/desk-lamp")
        assert cached.headers["x-cache"] == "HIT"
        listed = await b.get("/api/v1/products")
        assert listed.json()["items"][0]["price"]["amount"] == 3900
        etag = cached.headers["etag"]
        response = await a.patch(
            f"/api/v1/admin/products/{product.id}",
            json={"title": "Desk Lamp Pro"},
            headers={**staff, "If-Match": '"1"'},
        )
        assert response.status_code == 200
        variant = product.variants[0]
        response = await a.patch(
            f"/api/v1/admin/variants/{variant.id}",
            json={"price": 4900},
            headers={**staff, "If-Match": '"2"'},
        )
        assert response.status_code == 200
        fresh = await b.get("/api/v1/products/desk-lamp", headers={"If-None-Match": etag})
        assert fresh.status_code == 200
        assert fresh.json()["title"] == "Desk Lamp Pro"
        assert fresh.json()["price"]["amount"] == 4900
        assert (await b.get("/api/v1/products")).json()["items"][0]["price"]["amount"] == 4900


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private redis-server this test may kill (never the shared one)."""
    port = _free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(200):
            try:
                Redis.from_url(url).ping()
                break
            except Exception:
                time.sleep(0.02)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def test_reads_survive_redis_going_down(
    db_url: str,
    tmp_path: Path,
    own_redis: tuple[str, subprocess.Popen[bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, process = own_redis
    container = build_container(make_settings(db_url, tmp_path, redis_url=url))
    try:
        await create_product(container, title="Kettle")
        async with await _client(container) as client:
            assert (await client.get("/api/v1/products/kettle")).status_code == 200
            assert (await client.get("/api/v1/products/kettle")).headers["x-cache"] == "HIT"
            process.kill()
            process.wait(timeout=10)
            for path in ("/api/v1/products/kettle", "/api/v1/products", "/api/v1/categories"):
                response = await client.get(path)
                assert response.status_code == 200, response.text
                assert response.headers["x-cache"] == "MISS"
            assert (await client.get("/api/v1/products", params={"q": "ketle"})).json()["items"][0][
                "title"
            ] == "Kettle"
            logged = capsys.readouterr().out  # JSON log lines on stdout
            assert '"message": "catalog_cache_unavailable"' in logged
            assert '"level": "warning"' in logged
            metrics = (await client.get("/metrics")).text
            assert 'mercato_catalog_cache_requests_total{result="error"}' in metrics
            assert 'mercato_catalog_cache_requests_total{result="hit"}' in metrics
    finally:
        await container.aclose()


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_single_flight_computes_once(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "redis":
        url = request.getfixturevalue("redis_url")
        cache: Any = RedisCache(url, namespace=f"sf{time.time_ns()}", timeout=5.0)
    else:
        cache = MemoryCache()
    responses = ResponseCache(cache, ttl_seconds=30, lock_seconds=5)
    calls = 0
    release = asyncio.Event()

    async def compute() -> bytes:
        nonlocal calls
        calls += 1
        await release.wait()
        return b'{"ok":true}'

    async def later() -> None:
        await asyncio.sleep(0.05)
        release.set()

    try:
        results, _ = await asyncio.gather(
            asyncio.gather(*(responses.get_or_compute("k", ["t"], compute) for _ in range(20))),
            later(),
        )
        assert calls == 1
        assert {r.body for r in results} == {b'{"ok":true}'}
        assert len({r.etag for r in results}) == 1
        # a tag bump makes the next read compute again
        await responses.invalidate(["t"])
        await responses.get_or_compute("k", ["t"], compute)
        assert calls == 2
        await responses.get_or_compute("k", ["t"], compute)
        assert calls == 2
    finally:
        await cache.close()


class _BumpsTimingOut(RedisCache):
    """Redis whose next `failures` INCRs time out, as a busy server's connect can."""

    failures = 0

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        if self.failures:
            self.failures -= 1
            raise CacheUnavailable("Timeout connecting to server")
        return await super().incr(key, amount, ttl)


async def test_a_bump_that_times_out_is_owed_and_paid_before_the_next_read(
    redis_url: str,
) -> None:
    namespace = f"owed{time.time_ns()}"
    writer_cache = _BumpsTimingOut(redis_url, namespace=namespace, timeout=5.0)
    other_cache = RedisCache(redis_url, namespace=namespace, timeout=5.0)
    writer = ResponseCache(writer_cache, ttl_seconds=60)
    other = ResponseCache(other_cache, ttl_seconds=60)
    stock = {"left": b'{"in_stock":true}'}

    async def compute() -> bytes:
        return stock["left"]

    try:
        for cache in (writer, other):
            await cache.get_or_compute("p", ["product:lamp"], compute)
            assert (await cache.get_or_compute("p", ["product:lamp"], compute)).hit
        stock["left"] = b'{"in_stock":false}'
        writer_cache.failures = 4  # the bump and its retry time out, then the next two tries
        await writer.invalidate(["product:lamp"])
        assert writer_cache.failures == 2
        # Still owed: the writer reads from the database rather than what it made stale.
        assert await writer.versions(["product:lamp"]) is None
        read = await writer.get_or_compute("p", ["product:lamp"], compute)
        assert (read.body, read.hit) == (b'{"in_stock":false}', False)
        # Redis answers again: the debt is paid before the next read, for every process.
        read = await writer.get_or_compute("p", ["product:lamp"], compute)
        assert (read.body, read.hit) == (b'{"in_stock":false}', False)
        assert (await writer.get_or_compute("p", ["product:lamp"], compute)).hit
        seen = await other.get_or_compute("p", ["product:lamp"], compute)
        assert seen.body == b'{"in_stock":false}'
        assert await writer.versions(["product:lamp"]) == await other.versions(["product:lamp"])
    finally:
        await writer_cache.close()
        await other_cache.close()
