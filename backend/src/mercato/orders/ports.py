"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.accounts.ports import AccountsPorts
from mercato.payments.ports import PaymentsPorts
from mercato.platform.deps import get_container


class OrdersPorts(PaymentsPorts, AccountsPorts, Protocol):
    """Orders take payments (refunds, captures) and read the account that placed them."""


OrdersDep = Annotated[OrdersPorts, Depends(get_container)]
