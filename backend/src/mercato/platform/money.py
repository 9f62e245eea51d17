"""Money as the API shows it: an amount in minor units (cents) and an ISO 4217 currency."""

from __future__ import annotations

from pydantic import BaseModel

DEFAULT_CURRENCY = "EUR"  # the shop's currency unless MERCATO_CATALOG__CURRENCY says otherwise


class Money(BaseModel):
    amount: int
    currency: str
