"""The ports every domain may be handed: settings, database, cache, rate limiter, encryption, media.

Domain services never import the composition root (`mercato.bootstrap`). Each domain declares the
ports it uses as a Protocol (`<domain>/ports.py`, extending `PlatformPorts`); the composition root's
`Container` satisfies them all structurally, and mypy holds every service to the ports it declared.
"""

from __future__ import annotations

from typing import Protocol

from mercato.platform.cache import Cache
from mercato.platform.config import Settings
from mercato.platform.crypto import SecretBox
from mercato.platform.db import Database
from mercato.platform.media.port import MediaStorage
from mercato.platform.ratelimit import RateLimiter


class PlatformPorts(Protocol):
    settings: Settings
    db: Database
    cache: Cache
    rate_limiter: RateLimiter
    secret_box: SecretBox
    media: MediaStorage  # uploaded images, shipping labels
