"""Content sources: `local` (our database) and `sanity` (GROQ over HTTP), chosen by settings."""

from __future__ import annotations

from mercato.content.providers.local import LocalContentSource
from mercato.content.providers.port import ContentSource
from mercato.content.providers.sanity import PROVIDER, SanityContentSource
from mercato.platform.config import Settings
from mercato.platform.db import Database
from mercato.platform.http import outbound_policy


def build_content_source(settings: Settings, db: Database) -> ContentSource:
    if settings.content.source == "sanity":
        return SanityContentSource(settings.content, outbound_policy(settings, PROVIDER))
    return LocalContentSource(db)
