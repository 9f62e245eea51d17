"""Admin dashboard API shapes. Money is `{amount, currency}` in integer minor units."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from mercato.accounts.schemas import UserRead
from mercato.inventory.schemas import StockLevelRead
from mercato.orders.schemas import OrderRead
from mercato.platform.money import Money


class SalesPoint(BaseModel):
    date: str = Field(description="UTC day, YYYY-MM-DD")
    orders: int = Field(description="Orders paid that day")
    revenue: Money = Field(description="Paid minus refunded")


class PeriodTotals(BaseModel):
    orders: int
    revenue: Money


class LowStockItem(BaseModel):
    sku: str
    available: int
    product_title: str | None
    product_id: str | None


class LowStock(BaseModel):
    threshold: int = Field(description="A SKU at or below this many available is low")
    count: int
    items: list[LowStockItem] = Field(description="The lowest ten")


class AdminOverview(BaseModel):
    """Today's and this week's sales, and what needs attention (computed in SQL, cached briefly)."""

    generated_at: datetime
    currency: str
    today: PeriodTotals
    week: PeriodTotals = Field(description="The last 7 UTC days, today included")
    series: list[SalesPoint] = Field(description="One point per UTC day, oldest first")
    awaiting_fulfilment: int = Field(
        description="Paid orders (partly refunded ones too) with items still to ship"
    )
    low_stock: LowStock
    failed_payments_today: int
    failed_payments_week: int
    dead_letters: int = Field(description="Background tasks that exhausted their retries")


class CustomerDetail(BaseModel):
    customer: UserRead
    order_count: int
    total_spent: Money = Field(description="Paid minus refunded, over all orders")
    orders: list[OrderRead] = Field(description="The 20 newest orders")


class StockLevelPage(BaseModel):
    items: list[StockLevelRead]
    next_cursor: str | None


class ProviderHealthRead(BaseModel):
    role: str = Field(description="What the provider does for the shop")
    provider: str = Field(description="The configured implementation (sandbox, stripe, …)")
    external: bool
    state: Literal["built_in", "ok", "open", "half_open", "unused", "unmonitored"] = Field(
        description="As this API process sees it: its outbound circuit breaker, per provider"
    )
    detail: str


class ProviderHealthList(BaseModel):
    items: list[ProviderHealthRead]
    next_cursor: str | None = Field(description="Always null: every provider fits one page")
