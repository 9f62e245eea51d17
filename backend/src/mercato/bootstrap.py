"""Composition root: Settings -> Container (chooses the provider for every port)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from mercato.accounts.tokens import TokenService
from mercato.catalog.cache import ResponseCache
from mercato.catalog.providers.local import LocalMediaStorage
from mercato.catalog.providers.port import MediaStorage
from mercato.config import Settings
from mercato.db import Database
from mercato.payments.providers import GatewayRegistry, build_gateways
from mercato.shared.cache import Cache, build_cache
from mercato.shared.crypto import SecretBox
from mercato.shared.ratelimit import RateLimiter


@dataclass
class Container:
    settings: Settings
    db: Database
    cache: Cache
    rate_limiter: RateLimiter
    secret_box: SecretBox
    tokens: TokenService
    catalog_cache: ResponseCache
    media: MediaStorage
    payment_gateways: GatewayRegistry

    async def aclose(self) -> None:
        await self.payment_gateways.close()
        await self.cache.close()
        await self.db.dispose()


def build_container(settings: Settings) -> Container:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database.from_url(
        settings.effective_database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        pool_size=settings.database_pool_size,
        echo=settings.database_echo,
    )
    cache = build_cache(settings.redis_url, settings.cache_namespace)
    return Container(
        settings=settings,
        db=db,
        cache=cache,
        rate_limiter=RateLimiter(cache),
        secret_box=SecretBox(settings.secret_key.get_secret_value()),
        tokens=TokenService.from_settings(settings),
        catalog_cache=ResponseCache(
            cache,
            ttl_seconds=settings.catalog.cache_ttl_seconds,
            lock_seconds=settings.catalog.cache_lock_seconds,
            enabled=settings.catalog.cache_enabled,
        ),
        media=LocalMediaStorage(settings.data_dir / "media"),
        payment_gateways=build_gateways(settings),
    )


T = TypeVar("T")


async def run_job(settings: Settings, job: Callable[[Container], Awaitable[T]]) -> T:
    """Run `job(container)` against a fresh Container, closed afterwards whatever happens.

    For code outside a request: CLI commands, Celery tasks, scripts.
    """
    container = build_container(settings)
    try:
        return await job(container)
    finally:
        await container.aclose()
