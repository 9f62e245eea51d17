"""The dashboard overview: a handful of aggregate queries, each owned by its module's service.

The result is cached for `MERCATO_ADMIN__OVERVIEW_CACHE_SECONDS` in the shared cache (Redis in
production), so a dashboard left open on several screens costs one set of queries per period.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.accounts import service as accounts
from mercato.accounts.schemas import UserRead
from mercato.admin.ports import AdminPorts
from mercato.admin.schemas import (
    AdminOverview,
    CustomerDetail,
    LowStock,
    LowStockItem,
    PeriodTotals,
    SalesPoint,
)
from mercato.catalog import service as catalog
from mercato.inventory import service as inventory
from mercato.orders import service as orders
from mercato.payments import service as payments
from mercato.platform.cache import CacheUnavailable
from mercato.platform.clock import utcnow
from mercato.platform.money import Money
from mercato.worker import service as worker

log = structlog.get_logger("mercato.admin")

OVERVIEW_CACHE_KEY = "admin:overview:v1"
LOW_STOCK_SHOWN = 10


def _start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


async def compute_overview(
    session: AsyncSession, *, currency: str, days: int, low_stock_threshold: int
) -> AdminOverview:
    now = utcnow()
    today = _start_of_day(now)
    first_day = today - timedelta(days=days - 1)
    week_start = today - timedelta(days=6)
    by_day = {d.day: d for d in await orders.sales_by_day(session, first_day)}
    series: list[SalesPoint] = []
    for offset in range(days):
        day = (first_day + timedelta(days=offset)).date().isoformat()
        found = by_day.get(day)
        series.append(
            SalesPoint(
                date=day,
                orders=found.orders if found else 0,
                revenue=Money(amount=found.revenue if found else 0, currency=currency),
            )
        )
    week = [p for p in series if p.date >= week_start.date().isoformat()]
    low = await inventory.low_stock(session, low_stock_threshold, LOW_STOCK_SHOWN)
    variants = await catalog.get_purchasable_variants(session, [sku for sku, _ in low])
    return AdminOverview(
        generated_at=now,
        currency=currency,
        today=PeriodTotals(orders=series[-1].orders, revenue=series[-1].revenue),
        week=PeriodTotals(
            orders=sum(p.orders for p in week),
            revenue=Money(amount=sum(p.revenue.amount for p in week), currency=currency),
        ),
        series=series,
        awaiting_fulfilment=await orders.count_awaiting_fulfilment(session),
        low_stock=LowStock(
            threshold=low_stock_threshold,
            count=await inventory.count_low_stock(session, low_stock_threshold),
            items=[
                LowStockItem(
                    sku=sku,
                    available=available,
                    product_title=variants[sku].product_title if sku in variants else None,
                    product_id=str(variants[sku].product_id) if sku in variants else None,
                )
                for sku, available in low
            ],
        ),
        failed_payments_today=await payments.count_failures_since(session, today),
        failed_payments_week=await payments.count_failures_since(session, week_start),
        dead_letters=await worker.count_dead_letters(session),
    )


async def overview(container: AdminPorts) -> AdminOverview:
    """The cached overview (a cache outage only costs the queries)."""
    settings = container.settings
    ttl = settings.admin.overview_cache_seconds
    if ttl > 0:
        try:
            cached = await container.cache.get(OVERVIEW_CACHE_KEY)
        except CacheUnavailable:
            cached = None
        if cached is not None:
            return AdminOverview.model_validate_json(cached)
    async with container.db.session(write=False) as session:
        result = await compute_overview(
            session,
            currency=settings.catalog.currency,
            days=settings.admin.overview_days,
            low_stock_threshold=settings.catalog.low_stock_threshold,
        )
    if ttl > 0:
        try:
            await container.cache.set(OVERVIEW_CACHE_KEY, result.model_dump_json().encode(), ttl)
        except CacheUnavailable:
            log.warning("overview_not_cached")
    return result


async def customer_detail(
    session: AsyncSession, customer_id: uuid.UUID, *, currency: str
) -> CustomerDetail:
    user = await accounts.get_customer(session, customer_id)
    recent, _ = await orders.list_orders(session, customer_id=user.id, limit=20)
    count, spent = await orders.customer_totals(session, user.id)
    return CustomerDetail(
        customer=UserRead.model_validate(user),
        order_count=count,
        total_spent=Money(amount=spent, currency=currency),
        orders=[orders.to_read(o) for o in recent],
    )
