"""Composition root: Settings -> Container (chooses the provider for every port)."""

from __future__ import annotations

import functools
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from mercato.accounts.hooks import install_wishlist_products
from mercato.accounts.tokens import TokenService
from mercato.catalog import service as catalog
from mercato.catalog.cards import CardKeeper
from mercato.catalog.freshness import StockFreshness
from mercato.checkout.demand import DemandReads
from mercato.checkout.providers.port import ShippingRateProvider
from mercato.checkout.providers.table_rate import TableRateProvider
from mercato.checkout.stock_gate import StockGate
from mercato.content.providers import build_content_source
from mercato.content.providers.port import ContentSource
from mercato.integrations.providers import build_social_feed, build_weather
from mercato.integrations.service import IntegrationsService
from mercato.inventory import service as inventory
from mercato.orders import service as orders
from mercato.payments.events import (
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    install_order_gate,
)
from mercato.payments.providers import GatewayRegistry, build_gateways
from mercato.platform import domain_events
from mercato.platform.cache import Cache, build_cache
from mercato.platform.config import Settings
from mercato.platform.crypto import SecretBox
from mercato.platform.db import Database
from mercato.platform.media.local import LocalMediaStorage
from mercato.platform.media.port import MediaStorage
from mercato.platform.ratelimit import RateLimiter
from mercato.platform.response_cache import ResponseCache
from mercato.shipping.providers import CarrierRegistry, build_carriers


def wire_domain_events() -> None:
    """Subscriptions between modules: payment outcomes reach orders in the payment's transaction;
    the wishlist (accounts) asks the catalog whether an item is a product."""
    domain_events.subscribe(PaymentSucceeded, orders.on_payment_succeeded)
    domain_events.subscribe(PaymentRefunded, orders.on_payment_refunded)
    domain_events.subscribe(PaymentFailed, orders.on_payment_failed)
    install_order_gate(orders.PaymentOrderGate())
    install_wishlist_products(catalog.published_refs)  # the wishlist holds products only


wire_domain_events()


API_PROCESSES_ENV = "MERCATO_API_PROCESSES"  # set by `mercato serve` for its processes


def api_processes() -> int:
    """How many API processes serve the shop, as `mercato serve` told this one (1 otherwise)."""
    value = os.environ.get(API_PROCESSES_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else 1


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
    integrations: IntegrationsService
    carriers: CarrierRegistry
    content_source: ContentSource
    content_cache: ResponseCache
    # checkout's shipping options: carrier-priced when MERCATO_SHIPPING__CHECKOUT_RATES is on
    shipping_rates: ShippingRateProvider | None = None
    stock_gate: StockGate = field(default_factory=lambda: StockGate(processes=api_processes()))
    demand_reads: DemandReads = field(default_factory=DemandReads)

    async def aclose(self) -> None:
        await self.content_source.close()
        await self.payment_gateways.close()
        await self.integrations.close()
        await self.carriers.close()
        await self.cache.close()
        await self.db.dispose()


def build_container(settings: Settings) -> Container:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database.from_url(
        settings.effective_database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        pool_size=settings.database_pool_size,
        ping_after_idle_seconds=settings.database_ping_after_idle_seconds,
        echo=settings.database_echo,
    )
    cache = build_cache(settings.redis_url, settings.cache_namespace)
    carriers = build_carriers(settings)
    shipping_rates: ShippingRateProvider | None = None
    if settings.shipping.checkout_rates:
        from mercato.shipping.rates import CarrierRateProvider

        shipping_rates = CarrierRateProvider(
            TableRateProvider(settings.checkout.shipping_zones, settings.checkout.shipping_methods),
            carriers,
            cache,
            services=settings.shipping.checkout_services,
            cache_seconds=settings.shipping.quote_cache_seconds,
            timeout_seconds=settings.shipping.quote_timeout_seconds,
        )
    catalog_cache = ResponseCache(
        cache,
        ttl_seconds=settings.catalog.cache_ttl_seconds,
        lock_seconds=settings.catalog.cache_lock_seconds,
        enabled=settings.catalog.cache_enabled,
    )
    freshness = StockFreshness(db, catalog_cache)  # sold out shows on the next read
    db.before_commit.append(freshness.before_commit)
    db.before_commit.append(CardKeeper(settings.catalog.currency))  # stored cards (ADR 0055)
    db.after_commit.append(freshness)
    return Container(
        settings=settings,
        db=db,
        cache=cache,
        rate_limiter=RateLimiter(cache),
        secret_box=SecretBox(settings.secret_key.get_secret_value()),
        tokens=TokenService.from_settings(settings),
        catalog_cache=catalog_cache,
        media=LocalMediaStorage(settings.data_dir / "media"),
        payment_gateways=build_gateways(settings),
        integrations=IntegrationsService(
            build_weather(settings, cache),
            build_social_feed(settings, cache),
            settings.integrations,
        ),
        carriers=carriers,
        shipping_rates=shipping_rates,
        content_source=build_content_source(settings, db),
        content_cache=ResponseCache(
            cache,
            ttl_seconds=settings.content.cache_ttl_seconds,
            lock_seconds=settings.catalog.cache_lock_seconds,
            enabled=settings.catalog.cache_enabled,
            prefix="content",
        ),
        # with several API processes, what the gate re-reads while its share is used (ADR 0048)
        stock_gate=StockGate(
            processes=api_processes(), reread=functools.partial(inventory.read_available, db)
        ),
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
