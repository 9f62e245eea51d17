"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.checkout.ports import CheckoutPorts
from mercato.platform.deps import get_container
from mercato.shipping.ports import ShippingPorts


class AdminPorts(CheckoutPorts, ShippingPorts, Protocol):
    """The dashboard reads every domain it summarises."""


AdminDep = Annotated[AdminPorts, Depends(get_container)]
