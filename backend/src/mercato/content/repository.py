"""Writes and raw reads of the local source's `content_document` table."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.content import documents as docs
from mercato.content.models import ContentDocument

_REV_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def new_rev() -> str:
    """A revision id in Sanity's style (22 random alphanumerics)."""
    return "".join(secrets.choice(_REV_ALPHABET) for _ in range(22))


def now_iso() -> str:
    """Sanity's `_updatedAt` format: UTC with milliseconds."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def to_row(doc: dict[str, Any]) -> ContentDocument:
    published = doc.get("publishedAt") if doc.get("_type") == docs.POST else None
    return ContentDocument(
        id=doc["_id"],
        type=doc["_type"],
        rev=str(doc.get("_rev", "")),
        updated_at=str(doc.get("_updatedAt", "")),
        slug=docs.slug_of(doc),
        published_at=published if isinstance(published, str) else None,
        is_draft=docs.is_draft(doc["_id"]),
        body=docs.dumps(doc),
    )


def load(row: ContentDocument) -> dict[str, Any]:
    value = json.loads(row.body)
    assert isinstance(value, dict)
    return value


async def get(session: AsyncSession, doc_id: str) -> ContentDocument | None:
    return await session.get(ContentDocument, doc_id)


async def slug_owner(session: AsyncSession, doc_type: str, slug: str, *, draft: bool) -> str | None:
    return await session.scalar(
        select(ContentDocument.id).where(
            ContentDocument.type == doc_type,
            ContentDocument.slug == slug,
            ContentDocument.is_draft.is_(draft),
        )
    )


async def upsert(session: AsyncSession, doc: dict[str, Any]) -> ContentDocument:
    row = to_row(doc)
    await session.merge(row)
    return row


async def upsert_many(session: AsyncSession, documents: Iterable[dict[str, Any]]) -> int:
    count = 0
    for doc in documents:
        await session.merge(to_row(doc))
        count += 1
    return count


async def remove(session: AsyncSession, doc_id: str) -> None:
    await session.execute(delete(ContentDocument).where(ContentDocument.id == doc_id))


async def page(
    session: AsyncSession, *, doc_type: str | None, after_id: str | None, limit: int
) -> Sequence[ContentDocument]:
    query = select(ContentDocument).order_by(ContentDocument.id).limit(limit + 1)
    if doc_type:
        query = query.where(ContentDocument.type == doc_type)
    if after_id:
        query = query.where(ContentDocument.id > after_id)
    return (await session.scalars(query)).all()


async def all_rows(session: AsyncSession) -> Sequence[ContentDocument]:
    return (await session.scalars(select(ContentDocument).order_by(ContentDocument.id))).all()


async def is_empty(session: AsyncSession) -> bool:
    return (await session.scalar(select(ContentDocument.id).limit(1))) is None
