"""The cache port and the rate limiter on both backends: in-process memory and real Redis."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator

import pytest

from mercato.platform.cache import Cache, CacheUnavailable, MemoryCache, RedisCache
from mercato.platform.ratelimit import RateLimiter

# These tests check semantics, not latency: a generous connect timeout keeps a busy CI host
# from turning a slow TCP handshake into a failure (the 0.5 s default is for serving).
_SEMANTICS_TIMEOUT = 5.0


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    namespace = f"t-{uuid.uuid4().hex}"
    if request.param == "memory":
        backend: Cache = MemoryCache(namespace)
    else:
        backend = RedisCache(
            request.getfixturevalue("redis_url"), namespace, timeout=_SEMANTICS_TIMEOUT
        )
    try:
        yield backend
    finally:
        await backend.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_get_set_delete_and_get_many(cache: Cache) -> None:
    assert await cache.get("missing") is None
    await cache.set("a", b"1")
    await cache.set("b", b"2", ttl=60)
    assert await cache.get("a") == b"1"
    assert await cache.get_many(["a", "missing", "b"]) == [b"1", None, b"2"]
    assert await cache.get_many([]) == []
    await cache.delete("a", "b")
    assert await cache.get_many(["a", "b"]) == [None, None]


async def test_add_sets_only_when_absent(cache: Cache) -> None:
    assert await cache.add("lock", b"me", ttl=30) is True
    assert await cache.add("lock", b"you", ttl=30) is False
    assert await cache.get("lock") == b"me"
    results = await asyncio.gather(*[cache.add("race", str(i).encode(), ttl=30) for i in range(10)])
    assert results.count(True) == 1


async def test_incr_applies_the_ttl_on_creation_only(cache: Cache) -> None:
    assert await cache.incr("n", ttl=100) == 1
    first_ttl = await cache.ttl("n")
    assert first_ttl is not None
    assert 0 < first_ttl <= 100
    assert await cache.incr("n", 5, ttl=1000) == 6
    later_ttl = await cache.ttl("n")
    assert later_ttl is not None
    assert later_ttl <= 100
    assert await cache.incr("plain") == 1
    assert await cache.ttl("plain") is None
    counts = await asyncio.gather(*[cache.incr("c", ttl=60) for _ in range(20)])
    assert sorted(counts) == list(range(1, 21))


async def test_values_expire(cache: Cache) -> None:
    await cache.set("short", b"x", ttl=0.05)
    await asyncio.sleep(0.2)
    assert await cache.get("short") is None


async def test_namespaces_are_isolated(redis_url: str) -> None:
    one, two = (
        RedisCache(redis_url, f"a-{uuid.uuid4().hex}", timeout=_SEMANTICS_TIMEOUT),
        RedisCache(redis_url, f"b-{uuid.uuid4().hex}", timeout=_SEMANTICS_TIMEOUT),
    )
    try:
        await one.set("k", b"1", ttl=30)
        assert await two.get("k") is None
    finally:
        await one.close()
        await two.close()


async def test_unreachable_redis_raises_cache_unavailable() -> None:
    cache = RedisCache(f"redis://127.0.0.1:{_closed_port()}/0", "down", timeout=0.2)
    try:
        for call in (
            cache.get("k"),
            cache.get_many(["k"]),
            cache.set("k", b"v"),
            cache.add("k", b"v"),
            cache.incr("k", ttl=1),
            cache.ttl("k"),
            cache.delete("k"),
            cache.ping(),
        ):
            with pytest.raises(CacheUnavailable):
                await call
    finally:
        await cache.close()


async def test_rate_limiter_counts_within_the_window(cache: Cache) -> None:
    limiter = RateLimiter(cache)
    states = [await limiter.hit("login:x", limit=3, window_seconds=60) for _ in range(4)]
    assert [s.exceeded for s in states] == [False, False, False, True]
    assert 1 <= states[-1].retry_after <= 61
    peeked = await limiter.peek("login:x", limit=3, window_seconds=60)
    assert peeked.count == 4
    await limiter.reset("login:x")
    assert (await limiter.peek("login:x", limit=3, window_seconds=60)).count == 0


async def test_rate_limiter_fails_open_when_the_cache_is_down() -> None:
    cache = RedisCache(f"redis://127.0.0.1:{_closed_port()}/0", "down", timeout=0.2)
    try:
        limiter = RateLimiter(cache)
        state = await limiter.hit("k", limit=1, window_seconds=60)
        assert not state.exceeded
        assert (await limiter.peek("k", limit=1, window_seconds=60)).count == 0
        await limiter.reset("k")  # does not raise
    finally:
        await cache.close()
