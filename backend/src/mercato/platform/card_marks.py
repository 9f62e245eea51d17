"""Products whose stored card (`catalog.cards`, ADR 0055) a unit of work makes stale.

The modules that write what a card shows leave marks in `session.info`; the catalog's
before-commit hook (`cards.CardKeeper`) stores those cards again in the same transaction. The
marks live here, below every domain, so that inventory can mark the SKUs it stocks. Stock moves
need no mark: the hook reads inventory's own note of them (`STOCK_MOVED_KEY`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

PRODUCTS_KEY = "cards_stale_products"
CATEGORIES_KEY = "cards_stale_categories"
SKUS_KEY = "cards_stale_skus"


def products_changed(session: AsyncSession, product_ids: Iterable[uuid.UUID]) -> None:
    session.info.setdefault(PRODUCTS_KEY, set()).update(product_ids)


def categories_changed(session: AsyncSession, category_ids: Iterable[uuid.UUID]) -> None:
    """A category's name or slug changed: the cards of the products directly in it show both."""
    session.info.setdefault(CATEGORIES_KEY, set()).update(category_ids)


def skus_changed(session: AsyncSession, skus: Iterable[str]) -> None:
    """Stock written for these SKUs outside the movement API (bulk receipts)."""
    session.info.setdefault(SKUS_KEY, set()).update(skus)
