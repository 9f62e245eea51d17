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

import json
from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import JSON, ColumnElement, Text, bindparam, cast, func, literal
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.platform.clock import utcnow
from mercato.platform.ids import new_id
from mercato.platform.outbox import OutboxEvent, note_event, record_event

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


def _stock_event_due(before: int, after: int) -> bool:
    return before != after and min(before, after) <= STOCK_EVENT_CEILING


def _stock_payload(sku: str, before: int, after: int) -> dict[str, Any]:
    return {"sku": sku, "available_before": before, "available_after": after}


def _note_stock_move(session: AsyncSession, sku: str, before: int, after: int) -> None:
    if before != after:  # every move, for the API's own response cache (catalog.freshness)
        moved: dict[str, tuple[int, int]] = session.info.setdefault(STOCK_MOVED_KEY, {})
        moved[sku] = (moved.get(sku, (before, after))[0], after)


def record_stock_change(session: AsyncSession, sku: str, before: int, after: int) -> None:
    _note_stock_move(session, sku, before, after)
    if _stock_event_due(before, after):
        record_event(session, STOCK_CHANGED, _stock_payload(sku, before, after))


# A statement that moves a SKU's stock can write its `StockChanged` row itself, from the levels
# it returns (`inventory.reserve` on PostgreSQL: one round trip fewer while the level is
# locked): `new_stock_event` before it, with `stock_event_params(sku)` among its parameters,
# `stock_event_due_sql` and `stock_event_payload_sql` in it, and `stock_change_written` after
# it, with the levels it returned. The row is the one `record_stock_change` writes, its payload
# the same JSON text (SQLAlchemy's JSON type writes `json.dumps`'s).
_BEFORE, _AFTER = -1_234_567_890, -1_098_765_432  # stand-ins, cut out of json.dumps's text


def new_stock_event() -> OutboxEvent:
    """The `StockChanged` row a statement writes when its change is due (its payload is
    computed there: `stock_event_payload_sql`)."""
    return OutboxEvent(id=new_id(), event_type=STOCK_CHANGED, payload={}, created_at=utcnow())


def stock_event_params(sku: str) -> dict[str, str]:
    """The parameters of `stock_event_payload_sql` for a SKU: `json.dumps`'s text of the
    payload around the two numbers."""
    text = json.dumps(_stock_payload(sku, _BEFORE, _AFTER))
    rest, tail = text.rsplit(str(_AFTER), 1)
    head, middle = rest.rsplit(str(_BEFORE), 1)
    return {"stock_event_head": head, "stock_event_middle": middle, "stock_event_tail": tail}


def stock_event_payload_sql(before: ColumnElement[int], after: ColumnElement[int]) -> Any:
    """PostgreSQL: the event's payload from the levels of the statement, as JSON text equal to
    `json.dumps` of `record_stock_change`'s payload."""
    return cast(
        bindparam("stock_event_head", type_=Text)
        + cast(before, Text)
        + bindparam("stock_event_middle", type_=Text)
        + cast(after, Text)
        + bindparam("stock_event_tail", type_=Text),
        JSON,
    )


def stock_event_due_sql(before: ColumnElement[int], after: ColumnElement[int]) -> Any:
    """PostgreSQL: `record_stock_change`'s rule for writing the event, in SQL."""
    return (before != after) & (func.least(before, after) <= literal(STOCK_EVENT_CEILING))


def stock_change_written(
    session: AsyncSession, sku: str, before: int, after: int, event: OutboxEvent
) -> None:
    """`record_stock_change` for a move whose statement wrote `event`'s row when it was due."""
    _note_stock_move(session, sku, before, after)
    if _stock_event_due(before, after):
        event.payload = _stock_payload(sku, before, after)  # as its row holds it
        note_event(session, event)


def stock_band(available: int, low_stock_threshold: int) -> Band:
    if available <= 0:
        return "sold_out"
    return "low" if available <= low_stock_threshold else "plenty"


def stock_change_visible(before: int, after: int, low_stock_threshold: int) -> bool:
    """Whether a page shows the change: another band, or another "only N left" count."""
    band_before = stock_band(before, low_stock_threshold)
    band_after = stock_band(after, low_stock_threshold)
    return band_before != band_after or (band_after == "low" and before != after)
