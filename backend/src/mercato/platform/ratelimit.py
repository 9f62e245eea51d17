"""Fixed-window rate limiting stored through the cache port (memory or Redis).

A counter per key and window; the first hit sets the window's expiry. If the cache is down the
limiter fails open (the request is allowed) and logs a warning: losing throttling for a moment is
better than locking every customer out.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from mercato.platform.cache import Cache, CacheUnavailable

log = structlog.get_logger("mercato.ratelimit")


@dataclass(frozen=True)
class RateLimitState:
    count: int
    limit: int
    retry_after: int  # seconds until the window resets

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


class RateLimiter:
    def __init__(self, cache: Cache, prefix: str = "rl") -> None:
        self._cache = cache
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> RateLimitState:
        try:
            count = await self._cache.incr(self._key(key), 1, ttl=window_seconds)
            remaining = await self._cache.ttl(self._key(key))
        except CacheUnavailable as exc:
            log.warning("rate_limiter_unavailable", error=str(exc))
            return RateLimitState(0, limit, 0)
        return RateLimitState(count, limit, int(remaining or window_seconds) + 1)

    async def peek(self, key: str, *, limit: int, window_seconds: int) -> RateLimitState:
        try:
            raw = await self._cache.get(self._key(key))
            remaining = await self._cache.ttl(self._key(key))
        except CacheUnavailable as exc:
            log.warning("rate_limiter_unavailable", error=str(exc))
            return RateLimitState(0, limit, 0)
        count = int(raw) if raw else 0
        return RateLimitState(count, limit, int(remaining or window_seconds) + 1)

    async def reset(self, key: str) -> None:
        try:
            await self._cache.delete(self._key(key))
        except CacheUnavailable as exc:
            log.warning("rate_limiter_unavailable", error=str(exc))
