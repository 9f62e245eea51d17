"""Carrier quotes at checkout, behind the checkout's own `ShippingRateProvider` port.

The configured table methods stay the offer (codes, names, free-shipping thresholds); a method
mapped to a carrier service (`MERCATO_SHIPPING__CHECKOUT_SERVICES`) is priced with the carrier's
quote for the parcel. Quotes are cached per destination, weight and currency for
`QUOTE_CACHE_SECONDS`, so the options a shopper saw and the price at checkout agree. A carrier
that fails, or answers slower than `QUOTE_TIMEOUT_SECONDS`, leaves the table rates: a carrier
never fails a checkout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import replace

import structlog

from mercato.checkout.providers.port import ShippingQuote, ShippingRateProvider, ShippingRateRequest
from mercato.platform.cache import Cache, CacheUnavailable
from mercato.shipping.providers import CarrierRegistry
from mercato.shipping.providers.port import CarrierError, CarrierRate, RateRequest

log = structlog.get_logger("mercato.shipping.rates")


class CarrierRateProvider:
    def __init__(
        self,
        table: ShippingRateProvider,
        carriers: CarrierRegistry,
        cache: Cache,
        *,
        services: dict[str, str],
        cache_seconds: int,
        timeout_seconds: float,
    ) -> None:
        self._table = table
        self._carriers = carriers
        self._cache = cache
        self._services = {code: name.lower() for code, name in services.items()}
        self._cache_seconds = cache_seconds
        self._timeout = timeout_seconds

    async def quote(self, request: ShippingRateRequest) -> list[ShippingQuote]:
        table = await self._table.quote(request)
        if not table or not any(q.code in self._services for q in table):
            return table
        try:
            rates = await asyncio.wait_for(self._carrier_rates(request), self._timeout)
        except (CarrierError, TimeoutError) as exc:
            log.warning("carrier_quote_fallback", error=repr(exc), country=request.country)
            return table
        by_service = {r.service.lower(): r for r in rates if r.currency == request.currency}
        priced: list[ShippingQuote] = []
        for quote in table:
            rate = by_service.get(self._services.get(quote.code, ""))
            if rate is None or quote.amount == 0:  # unmapped, or free by the shop's own rule
                priced.append(quote)
                continue
            days = rate.delivery_days or quote.max_days
            priced.append(
                replace(
                    quote, amount=rate.amount, min_days=min(quote.min_days, days), max_days=days
                )
            )
        return priced

    def _key(self, request: ShippingRateRequest) -> str:
        parts = (
            self._carriers.default_name,
            request.country,
            request.region or "",
            request.postal_code or "",
            str(request.weight_grams),
            request.currency,
        )
        return "shipping:quote:" + ":".join(p.replace(":", "_") for p in parts)

    async def _carrier_rates(self, request: ShippingRateRequest) -> list[CarrierRate]:
        key = self._key(request)
        try:
            cached = await self._cache.get(key)
        except CacheUnavailable:
            cached = None
        if cached is not None:
            return [CarrierRate(**item) for item in json.loads(cached)]
        rates = await self._carriers.default.rates(
            RateRequest(
                origin=self._carriers.origin,
                country=request.country,
                postal_code=request.postal_code,
                region=request.region,
                weight_grams=max(request.weight_grams, 1),
                currency=request.currency,
            )
        )
        if self._cache_seconds > 0:
            payload = json.dumps([r.__dict__ for r in rates]).encode()
            with contextlib.suppress(CacheUnavailable):
                await self._cache.set(key, payload, ttl=self._cache_seconds)
        return rates
