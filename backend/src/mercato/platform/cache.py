"""The cache port: in-process memory (default) or Redis (when MERCATO_REDIS_URL is set).

Values are bytes; callers serialise. Implementations raise `CacheUnavailable` when the backing
store cannot be reached, so callers can fall back (reads go to the database, a warning is logged).
Every key is prefixed with the configured namespace.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

import redis.asyncio as aioredis
from redis.exceptions import RedisError


class CacheUnavailable(Exception):
    """The cache backend could not be reached."""


@runtime_checkable
class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...
    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...
    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Set only if absent (a lock primitive). True when this call set it."""
        ...

    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Atomically add; `ttl` is applied when the key is created."""
        ...

    async def ttl(self, key: str) -> float | None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class MemoryCache:
    """Per-process dictionary with expiry. Fine for one process; use Redis for several."""

    def __init__(self, namespace: str = "mercato", max_entries: int = 50_000) -> None:
        self._ns = namespace
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._max = max_entries

    def _k(self, key: str) -> str:
        return f"{self._ns}:{key}"

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] is not None and item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item

    def _evict_if_full(self) -> None:
        if len(self._data) < self._max:
            return
        now = time.monotonic()
        for k in [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]:
            del self._data[k]
        while len(self._data) >= self._max:  # drop the oldest insertions
            del self._data[next(iter(self._data))]

    @staticmethod
    def _expiry(ttl: float | None) -> float | None:
        return None if ttl is None else time.monotonic() + ttl

    async def get(self, key: str) -> bytes | None:
        item = self._live(self._k(key))
        return None if item is None else item[0]

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [await self.get(k) for k in keys]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._evict_if_full()
        self._data[self._k(key)] = (value, self._expiry(ttl))

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        if self._live(self._k(key)) is not None:
            return False
        await self.set(key, value, ttl)
        return True

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(self._k(key), None)

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        k = self._k(key)
        item = self._live(k)
        if item is None:
            self._evict_if_full()
            self._data[k] = (str(amount).encode(), self._expiry(ttl))
            return amount
        value = int(item[0]) + amount
        self._data[k] = (str(value).encode(), item[1])
        return value

    async def ttl(self, key: str) -> float | None:
        item = self._live(self._k(key))
        if item is None or item[1] is None:
            return None
        return max(0.0, item[1] - time.monotonic())

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._data.clear()


class RedisCache:
    """Redis-backed cache shared by every API process and worker."""

    def __init__(self, url: str, namespace: str = "mercato", timeout: float = 0.5) -> None:
        self._ns = namespace
        self._redis = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=10,
        )

    def _k(self, key: str) -> str:
        return f"{self._ns}:{key}"

    @staticmethod
    def _ms(ttl: float | None) -> int | None:
        return None if ttl is None else max(1, int(ttl * 1000))

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._redis.get(self._k(key))
            return value if value is None or isinstance(value, bytes) else value.encode()
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            values = await self._redis.mget([self._k(k) for k in keys])
            return [v.encode() if isinstance(v, str) else v for v in values]
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        try:
            await self._redis.set(self._k(key), value, px=self._ms(ttl))
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        try:
            return bool(await self._redis.set(self._k(key), value, px=self._ms(ttl), nx=True))
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            await self._redis.delete(*[self._k(k) for k in keys])
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        k = self._k(key)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incrby(k, amount)
                if ttl is not None:
                    pipe.pexpire(k, self._ms(ttl) or 1, nx=True)
                result = await pipe.execute()
            return int(result[0])
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc

    async def ttl(self, key: str) -> float | None:
        try:
            ms = await self._redis.pttl(self._k(key))
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc
        return None if ms is None or ms < 0 else ms / 1000

    async def ping(self) -> None:
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(str(exc)) from exc

    async def close(self) -> None:
        await self._redis.aclose()


def build_cache(redis_url: str | None, namespace: str) -> Cache:
    return RedisCache(redis_url, namespace) if redis_url else MemoryCache(namespace)
