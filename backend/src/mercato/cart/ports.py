"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.accounts.ports import AccountsPorts
from mercato.catalog.ports import CatalogPorts
from mercato.platform.deps import get_container


class CartPorts(AccountsPorts, CatalogPorts, Protocol):
    """A cart prices its lines from the catalog and belongs to a guest or an account."""


CartDep = Annotated[CartPorts, Depends(get_container)]
