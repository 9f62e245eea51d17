"""Extension points for other modules: personal-data export, account anonymisation and the
catalog's answer to "is this a product?" for the wishlist.

A module registers at import time, e.g. in orders/service.py:

    register_exporter("orders", export_orders_for_user)
    register_anonymiser("orders", anonymise_orders_for_user)

Both receive the request's session and the user id. Exporters return JSON-serialisable data
(added to `GET /me/export` under their section name). Anonymisers run inside the same
transaction as the account closure and must keep records needed for accounting (they scrub names
and contact data instead of deleting orders).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

PersonalDataExporter = Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
AccountAnonymiser = Callable[[AsyncSession, uuid.UUID], Awaitable[None]]
# Which of the given refs name a published product (a slug, or a SKU of one): the catalog sits
# above accounts, so the composition root installs its answer (`catalog.service.published_refs`).
WishlistProducts = Callable[[AsyncSession, Collection[str]], Awaitable[set[str]]]

_exporters: dict[str, PersonalDataExporter] = {}
_anonymisers: dict[str, AccountAnonymiser] = {}
RESERVED_SECTIONS = frozenset({"profile", "preferences", "addresses", "wishlist", "exported_at"})


def register_exporter(section: str, exporter: PersonalDataExporter) -> None:
    if section in RESERVED_SECTIONS:
        raise ValueError(f"export section {section!r} is reserved by accounts")
    _exporters[section] = exporter


def unregister_exporter(section: str) -> None:
    _exporters.pop(section, None)


def register_anonymiser(name: str, anonymiser: AccountAnonymiser) -> None:
    _anonymisers[name] = anonymiser


def unregister_anonymiser(name: str) -> None:
    _anonymisers.pop(name, None)


def exporters() -> dict[str, PersonalDataExporter]:
    return dict(_exporters)


def anonymisers() -> dict[str, AccountAnonymiser]:
    return dict(_anonymisers)


_wishlist_products: WishlistProducts | None = None


def install_wishlist_products(check: WishlistProducts) -> None:
    global _wishlist_products
    _wishlist_products = check


def wishlist_products() -> WishlistProducts:
    if _wishlist_products is None:
        raise RuntimeError("no wishlist product check installed; wire it in mercato.bootstrap")
    return _wishlist_products
