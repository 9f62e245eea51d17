"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.integrations.service import IntegrationsService
from mercato.platform.deps import get_container
from mercato.platform.ports import PlatformPorts


class IntegrationsPorts(PlatformPorts, Protocol):
    integrations: IntegrationsService


IntegrationsDep = Annotated[IntegrationsPorts, Depends(get_container)]
