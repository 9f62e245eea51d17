"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.payments.providers import GatewayRegistry
from mercato.platform.deps import get_container
from mercato.platform.ports import PlatformPorts


class PaymentsPorts(PlatformPorts, Protocol):
    payment_gateways: GatewayRegistry


PaymentsDep = Annotated[PaymentsPorts, Depends(get_container)]
