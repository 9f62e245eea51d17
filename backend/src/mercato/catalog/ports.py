"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.content.ports import ContentPorts
from mercato.platform.deps import get_container


class CatalogPorts(ContentPorts, Protocol):
    """Catalog responses cache in `catalog_cache`; product pages merge editorial from content."""


CatalogDep = Annotated[CatalogPorts, Depends(get_container)]
