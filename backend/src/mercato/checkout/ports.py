"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.cart.ports import CartPorts
from mercato.checkout.demand import DemandReads
from mercato.checkout.providers.port import ShippingRateProvider
from mercato.checkout.stock_gate import StockGate
from mercato.orders.ports import OrdersPorts
from mercato.platform.deps import get_container


class CheckoutPorts(OrdersPorts, CartPorts, Protocol):
    # carrier-priced shipping options (MERCATO_SHIPPING__CHECKOUT_RATES); None: the rate table
    shipping_rates: ShippingRateProvider | None
    stock_gate: StockGate  # process-local admission of checkouts racing for the same units
    demand_reads: DemandReads  # the refusal reads of one loop turn, as one read


CheckoutDep = Annotated[CheckoutPorts, Depends(get_container)]
