"""Inventory domain errors."""

from __future__ import annotations

from mercato.platform.errors import Conflict


class InsufficientStock(Conflict):
    """Not enough available stock for a SKU (the whole reservation is refused)."""

    code = "insufficient_stock"
    title = "Insufficient stock"

    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(
            f"Only {max(available, 0)} of {sku!r} available, {requested} requested.",
            extra={"sku": sku, "requested": requested, "available": max(available, 0)},
        )
        self.sku = sku
        self.requested = requested
        self.available = max(available, 0)


class StockNotReserved(Conflict):
    """commit() of a quantity that is not reserved."""

    code = "stock_not_reserved"
    title = "Stock not reserved"


class StockBelowReserved(Conflict):
    """An adjustment would leave on_hand below what is already reserved (or below zero)."""

    code = "stock_below_reserved"
    title = "Stock below reserved"
