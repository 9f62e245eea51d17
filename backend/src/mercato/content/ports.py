"""What this module is handed: a Protocol over the composition root's Container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from mercato.content.providers.port import ContentSource
from mercato.platform.deps import get_container
from mercato.platform.ports import PlatformPorts
from mercato.platform.response_cache import ResponseCache


class ContentPorts(PlatformPorts, Protocol):
    content_source: ContentSource
    content_cache: ResponseCache
    # the product pages an editorial change invalidates
    catalog_cache: ResponseCache


ContentDep = Annotated[ContentPorts, Depends(get_container)]
