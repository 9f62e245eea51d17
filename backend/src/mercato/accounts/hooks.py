"""Extension points for other modules: personal-data export and account anonymisation.

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
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

PersonalDataExporter = Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
AccountAnonymiser = Callable[[AsyncSession, uuid.UUID], Awaitable[None]]

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
