"""Content tables: documents of the local source, and Sanity webhook deliveries (replays)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mercato.platform.clock import utcnow
from mercato.platform.db import Base


class ContentDocument(Base):
    """One Sanity-shaped document. `body` is the whole document's JSON text (key order kept, so
    an export reproduces an import byte for byte); the other columns are derived from it."""

    __tablename__ = "content_document"

    id: Mapped[str] = mapped_column("_id", String(128), primary_key=True)
    type: Mapped[str] = mapped_column("_type", String(64))
    rev: Mapped[str] = mapped_column("_rev", String(64))
    updated_at: Mapped[str] = mapped_column("_updatedAt", String(40))
    slug: Mapped[str | None] = mapped_column(String(200), default=None)
    published_at: Mapped[str | None] = mapped_column(String(40), default=None)
    is_draft: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_content_document_type_slug", "_type", "slug"),
        Index("ix_content_document_type_published", "_type", "is_draft", "published_at", "_id"),
    )


class ContentWebhookDelivery(Base):
    """A verified Sanity webhook delivery, keyed by its signature (or idempotency key): the same
    signed request arriving again is a replay and changes nothing."""

    __tablename__ = "content_webhook_delivery"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    document_id: Mapped[str | None] = mapped_column(String(128), default=None)

    __table_args__ = (Index("ix_content_webhook_delivery_received_at", "received_at"),)
