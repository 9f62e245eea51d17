"""Stock moves reach the catalog response cache before the response that made them is sent.

Inventory notes every change of a SKU's available quantity in its unit of work
(`revalidation.service.record_stock_change`, key `STOCK_MOVED_KEY` of `session.info`). Once that
unit of work commits, `StockFreshness` (a `Database.after_commit` hook; the product slugs are read
just before, in the same transaction, by its `before_commit` hook) bumps the cache tag
of each product concerned (`product:<slug>`: its page shows the exact count), and the `listings`
tag when a SKU crossed sold out / back in stock (lists, search and collection pages show
`in_stock`). With Redis the tags are shared, so every API process's next read is fresh; checkout's
conditional reservation stays the authority either way.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import Select, bindparam, select

from mercato.catalog.models import Product, Variant
from mercato.platform.cache_tags import LISTINGS_TAG, product_tag
from mercato.revalidation.service import STOCK_MOVED_KEY

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from mercato.platform.db import Database
    from mercato.platform.response_cache import ResponseCache

log = structlog.get_logger("mercato.platform.response_cache")


def tags_for_moves(slugs: set[str], moved: dict[str, tuple[int, int]]) -> set[str]:
    tags = {product_tag(slug) for slug in slugs}
    if any((before > 0) != (after > 0) for before, after in moved.values()):
        tags.add(LISTINGS_TAG)
    return tags


MOVED_SLUGS_KEY = "catalog_stock_moved_slugs"
SKU_SLUGS_KEY = "catalog_sku_slugs"


def note_slugs(session: AsyncSession, slugs: Mapping[str, str | None]) -> None:
    """The product slugs of SKUs this unit of work is about to move, when the caller knows them
    (None: no product): the before-commit hook then looks up only the others. Checkout notes
    them so that nothing is read while its stock rows are locked."""
    known: dict[str, str | None] = session.info.setdefault(SKU_SLUGS_KEY, {})
    known.update(slugs)


@functools.cache
def _slugs_statement() -> Select[str]:
    """Built once: building it per commit cost more CPU than the lookup itself."""
    return (
        select(Product.slug)
        .join(Variant, Variant.product_id == Product.id)
        .where(Variant.sku.in_(bindparam("skus", expanding=True)))
    )


async def _slugs(session: AsyncSession, moved: dict[str, tuple[int, int]]) -> set[str]:
    return set(await session.scalars(_slugs_statement(), {"skus": sorted(moved)}))


class StockFreshness:
    """The hooks; one pair per container. `before_commit` finds the moved SKUs' product slugs in
    the writing transaction itself; the after-commit call bumps their tags."""

    def __init__(self, db: Database, cache: ResponseCache) -> None:
        self._db = db
        self._cache = cache

    async def before_commit(self, session: AsyncSession) -> None:
        moved: dict[str, tuple[int, int]] | None = session.info.get(STOCK_MOVED_KEY)
        if not moved:
            return
        known: dict[str, str | None] = session.info.get(SKU_SLUGS_KEY, {})
        slugs = {slug for sku in moved if (slug := known.get(sku))}
        unknown = {sku: move for sku, move in moved.items() if sku not in known}
        if unknown:
            slugs |= await _slugs(session, unknown)
        session.info[MOVED_SLUGS_KEY] = slugs

    async def __call__(self, info: dict[Any, Any]) -> None:
        moved: dict[str, tuple[int, int]] | None = info.pop(STOCK_MOVED_KEY, None)
        slugs: set[str] | None = info.pop(MOVED_SLUGS_KEY, None)
        if not moved:
            return
        if slugs is None:  # a unit of work that did not run the before-commit hook: look them up
            try:
                async with self._db.session(write=False) as session:
                    slugs = await _slugs(session, moved)
            except Exception as exc:  # the write committed; a failed lookup must not fail it
                log.warning("stock_invalidation_failed", error=str(exc)[:200])
                await self._cache.invalidate({LISTINGS_TAG, "products"})  # coarse, never stale
                return
        await self._cache.invalidate(tags_for_moves(slugs, moved))
