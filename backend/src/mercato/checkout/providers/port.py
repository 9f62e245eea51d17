"""The shipping-rate port: checkout asks it for the options for a cart and an address.

The built-in implementation is a table of zones and methods from settings (`TableRateProvider`);
the shipping module can add a carrier quote behind the same Protocol later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ShippingRateRequest:
    country: str
    region: str | None
    postal_code: str | None
    weight_grams: int
    subtotal: int  # goods, minor units (after discounts are not considered: the list price)
    currency: str


@dataclass(frozen=True)
class ShippingQuote:
    code: str
    name: str
    amount: int
    currency: str
    zone: str
    min_days: int
    max_days: int


class ShippingRateProvider(Protocol):
    async def quote(self, request: ShippingRateRequest) -> list[ShippingQuote]:
        """Every method available for the destination, priced; empty when none ships there."""
        ...
