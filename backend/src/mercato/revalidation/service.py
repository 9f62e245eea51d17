"""Storefront cache revalidation: which catalog changes the shop's pages must see at once.

Writers record outbox events in their own transaction (ADR 0003):

- `CatalogChanged` `{"tags": [...], "reason": ...}` from catalog writes (products, variants,
  prices, images, categories, collections, imports); the tags are the storefront's data-cache
  tags (`products`, `categories`, `collections`, `product:<slug>`), the same names as the API's
  own cache tags.
- `ContentChanged` `{"tags": [...], "reason": ...}` from content writes and Sanity webhooks
  (`content`, `posts`, `post:<slug>`, `page:<slug>`, `site-settings`, `product:<slug>`).
- `StockChanged` `{"sku", "available_before", "available_after"}` from inventory when the
  available quantity of a SKU moved at or below `STOCK_EVENT_CEILING`. The handler revalidates
  only when the change shows on a page: crossing sold out / back in stock, entering or leaving
  the low-stock band, or a new "only N left" count (`catalog.low_stock_threshold`).

`handlers.py` turns them into a signed `POST {storefront}/api/revalidate`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from mercato.platform.outbox import record_event

CATALOG_CHANGED = "CatalogChanged"
CONTENT_CHANGED = "ContentChanged"  # content documents (posts, pages, settings, editorial)
STOCK_CHANGED = "StockChanged"
# Stock events are recorded only at or below this many available (the low-stock threshold is
# capped at it in config), so a busy SKU with plenty of stock adds no outbox rows.
STOCK_EVENT_CEILING = 100

# session.info key: {sku: (available before the unit of work, available after)}
STOCK_MOVED_KEY = "stock_moved"

Band = Literal["sold_out", "low", "plenty"]


def record_catalog_change(session: AsyncSession, tags: Iterable[str], *, reason: str) -> None:
    record_event(session, CATALOG_CHANGED, {"tags": sorted(set(tags)), "reason": reason})


def record_content_change(session: AsyncSession, tags: Iterable[str], *, reason: str) -> None:
    record_event(session, CONTENT_CHANGED, {"tags": sorted(set(tags)), "reason": reason})


def record_stock_change(session: AsyncSession, sku: str, before: int, after: int) -> None:
    if before != after:  # every move, for the API's own response cache (catalog.freshness)
        moved: dict[str, tuple[int, int]] = session.info.setdefault(STOCK_MOVED_KEY, {})
        moved[sku] = (moved.get(sku, (before, after))[0], after)
    if before != after and min(before, after) <= STOCK_EVENT_CEILING:
        record_event(
            session,
            STOCK_CHANGED,
            {"sku": sku, "available_before": before, "available_after": after},
        )


def stock_band(available: int, low_stock_threshold: int) -> Band:
    if available <= 0:
        return "sold_out"
    return "low" if available <= low_stock_threshold else "plenty"


def stock_change_visible(before: int, after: int, low_stock_threshold: int) -> bool:
    """Whether a page shows the change: another band, or another "only N left" count."""
    band_before = stock_band(before, low_stock_threshold)
    band_after = stock_band(after, low_stock_threshold)
    return band_before != band_after or (band_after == "low" and before != after)
