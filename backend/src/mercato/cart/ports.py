"""What this module is handed: a Protocol over the composition root's Container.

No `CartDep`: the cart's HTTP routes live in checkout (`checkout/cart_router.py`).
"""

from __future__ import annotations

from typing import Protocol

from mercato.accounts.ports import AccountsPorts
from mercato.catalog.ports import CatalogPorts


class CartPorts(AccountsPorts, CatalogPorts, Protocol):
    """A cart prices its lines from the catalog and belongs to a guest or an account."""
