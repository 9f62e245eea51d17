"""Flat-rate and weight-based table rates per zone, from `MERCATO_CHECKOUT__SHIPPING_*`."""

from __future__ import annotations

from collections.abc import Sequence

from mercato.checkout.providers.port import ShippingQuote, ShippingRateRequest
from mercato.platform.config import ShippingMethodConfig, ShippingZoneConfig


class TableRateProvider:
    def __init__(
        self,
        zones: Sequence[ShippingZoneConfig],
        methods: dict[str, list[ShippingMethodConfig]],
    ) -> None:
        self._zones = list(zones)
        self._methods = methods

    def zone_for(self, country: str) -> ShippingZoneConfig | None:
        country = country.upper()
        for zone in self._zones:  # an explicit country wins over the "*" catch-all
            if country in {c.upper() for c in zone.countries}:
                return zone
        for zone in self._zones:
            if "*" in zone.countries:
                return zone
        return None

    @staticmethod
    def price(method: ShippingMethodConfig, weight_grams: int, subtotal: int) -> int | None:
        if method.free_over is not None and subtotal >= method.free_over:
            return 0
        if method.kind == "flat":
            return method.price
        for bracket in method.weight_rates:
            if bracket.max_weight_grams is None or weight_grams <= bracket.max_weight_grams:
                return bracket.price
        return None  # heavier than the last bracket: not offered

    async def quote(self, request: ShippingRateRequest) -> list[ShippingQuote]:
        zone = self.zone_for(request.country)
        if zone is None:
            return []
        quotes: list[ShippingQuote] = []
        for method in self._methods.get(zone.code, []):
            amount = self.price(method, request.weight_grams, request.subtotal)
            if amount is None:
                continue
            quotes.append(
                ShippingQuote(
                    code=method.code,
                    name=method.name,
                    amount=amount,
                    currency=request.currency,
                    zone=zone.code,
                    min_days=method.min_days,
                    max_days=method.max_days,
                )
            )
        return quotes
