"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.catalog.ports import CatalogPorts
from mercato.orders.ports import OrdersPorts
from mercato.platform.deps import get_container
from mercato.shipping.providers import CarrierRegistry


class ShippingPorts(OrdersPorts, CatalogPorts, Protocol):
    carriers: CarrierRegistry


ShippingDep = Annotated[ShippingPorts, Depends(get_container)]
