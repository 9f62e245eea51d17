"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.accounts.tokens import TokenService
from mercato.platform.deps import get_container
from mercato.platform.ports import PlatformPorts


class AccountsPorts(PlatformPorts, Protocol):
    tokens: TokenService


AccountsDep = Annotated[AccountsPorts, Depends(get_container)]
