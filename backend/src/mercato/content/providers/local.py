"""`LocalContentSource`: Sanity-shaped documents in our own database (`content_document`).

Reads answer the same questions as the GROQ queries of `SanityContentSource`, in SQL: published
documents by default (`drafts.*` excluded); in preview a draft wins over its published version.
Image assets live in our media storage under `content/<sha1>-<w>x<h>.<ext>`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import Select, and_, bindparam, or_, select

from mercato.content import documents as docs
from mercato.content.models import ContentDocument
from mercato.content.providers.port import (
    Page,
    Post,
    PostCursor,
    PostSummary,
    ProductEditorial,
    SiteSettings,
)
from mercato.platform.db import Database, QuickReadBusy

MEDIA_DIR = "content"


def local_asset_url(prefix: str = "/media") -> docs.AssetUrl:
    def url(asset: docs.AssetFile) -> str:
        return f"{prefix}/{MEDIA_DIR}/{asset.file_name}"

    return url


class _Stored(Protocol):
    """What is read of a stored document: an entity, or a row of `_by_slug_statement`."""

    @property
    def is_draft(self) -> bool: ...
    @property
    def body(self) -> str: ...


def _load(row: _Stored) -> dict[str, Any]:
    value = json.loads(row.body)
    return value if isinstance(value, dict) else {}


class _Found(NamedTuple):
    """A row of `_by_slug_statement`, read raw."""

    is_draft: bool
    body: str


@cache
def _by_slug_statement() -> Select[bool, str]:
    """Built once, with bind parameters: a product page reads its editorial by slug on every
    miss, and building the statement cost more than running it."""
    return (
        select(ContentDocument.is_draft, ContentDocument.body)
        .where(ContentDocument.type == bindparam("type"), ContentDocument.slug == bindparam("slug"))
        .order_by(ContentDocument.id)
        .limit(10)
    )


Row = TypeVar("Row", bound=_Stored)


def _prefer_drafts(rows: Sequence[Row], preview: bool) -> Row | None:
    if not rows:
        return None
    if preview:
        drafts = [r for r in rows if r.is_draft]
        if drafts:
            return drafts[0]
    published = [r for r in rows if not r.is_draft]
    return published[0] if published else None


class LocalContentSource:
    name = "local"

    def __init__(self, db: Database, asset_url: docs.AssetUrl | None = None) -> None:
        self._db = db
        self._asset_url = asset_url or local_asset_url()

    async def _by_slug(self, doc_type: str, slug: str, preview: bool) -> dict[str, Any] | None:
        params = {"type": doc_type, "slug": slug}
        rows: Sequence[_Stored]
        try:  # an index lookup: a quick read (ADR 0056), the ordinary one when SQLite is locked
            async with self._db.quick_raw() as reads:
                rows = [_Found(*row) for row in await reads.rows(_by_slug_statement(), params)]
        except QuickReadBusy:
            async with self._db.one_read() as connection:
                rows = (await connection.execute(_by_slug_statement(), params)).all()
        row = _prefer_drafts(rows, preview)
        return _load(row) if row is not None else None

    async def _authors(self, ids: set[str], preview: bool) -> dict[str, Mapping[str, Any]]:
        if not ids:
            return {}
        wanted = set(ids) | ({docs.DRAFT_PREFIX + i for i in ids} if preview else set())
        async with self._db.session(write=False) as session:
            rows = (
                await session.scalars(
                    select(ContentDocument).where(
                        ContentDocument.id.in_(sorted(wanted)),
                        ContentDocument.type == docs.AUTHOR,
                    )
                )
            ).all()
        found: dict[str, Mapping[str, Any]] = {}
        for row in sorted(rows, key=lambda r: r.is_draft):  # drafts last: they win in preview
            found[docs.published_id(row.id)] = _load(row)
        return found

    async def list_posts(
        self, *, limit: int, after: PostCursor | None = None, preview: bool = False
    ) -> list[PostSummary]:
        query = select(ContentDocument).where(
            ContentDocument.type == docs.POST, ContentDocument.published_at.is_not(None)
        )
        if not preview:
            query = query.where(ContentDocument.is_draft.is_(False))
        if after is not None:
            query = query.where(
                or_(
                    ContentDocument.published_at < after.published_at,
                    and_(
                        ContentDocument.published_at == after.published_at,
                        ContentDocument.id < after.id,
                    ),
                )
            )
        query = query.order_by(ContentDocument.published_at.desc(), ContentDocument.id.desc())
        async with self._db.session(write=False) as session:
            # preview: a draft and its published twin are one post (the draft wins)
            rows = (await session.scalars(query.limit(limit * 2 if preview else limit))).all()
        loaded: list[dict[str, Any]] = []
        seen: set[str] = set()
        for row in sorted(rows, key=lambda r: not r.is_draft) if preview else rows:
            key = docs.published_id(row.id)
            if key not in seen:
                seen.add(key)
                loaded.append(_load(row))
        if preview:
            loaded.sort(key=lambda d: (d.get("publishedAt", ""), d.get("_id", "")), reverse=True)
        loaded = loaded[:limit]
        authors = await self._authors({ref for d in loaded if (ref := docs.author_ref(d))}, preview)
        return [
            docs.to_post_summary(d, authors.get(docs.author_ref(d) or ""), self._asset_url)
            for d in loaded
        ]

    async def get_post(self, slug: str, *, preview: bool = False) -> Post | None:
        doc = await self._by_slug(docs.POST, slug, preview)
        if doc is None or not isinstance(doc.get("publishedAt"), str):
            return None
        ref = docs.author_ref(doc)
        authors = await self._authors({ref} if ref else set(), preview)
        return docs.to_post(doc, authors.get(ref or ""), self._asset_url)

    async def get_page(self, slug: str, *, preview: bool = False) -> Page | None:
        doc = await self._by_slug(docs.PAGE, slug, preview)
        return docs.to_page(doc, self._asset_url) if doc is not None else None

    async def get_site_settings(self, *, preview: bool = False) -> SiteSettings | None:
        ids = [docs.SITE_SETTINGS_ID] + (
            [docs.DRAFT_PREFIX + docs.SITE_SETTINGS_ID] if preview else []
        )
        async with self._db.session(write=False) as session:
            rows = (
                await session.scalars(
                    select(ContentDocument).where(
                        ContentDocument.id.in_(ids), ContentDocument.type == docs.SITE_SETTINGS
                    )
                )
            ).all()
        row = _prefer_drafts(rows, preview)
        return docs.to_site_settings(_load(row), self._asset_url) if row is not None else None

    async def get_product_editorial(
        self, product_slug: str, *, preview: bool = False
    ) -> ProductEditorial | None:
        doc = await self._by_slug(docs.PRODUCT_EDITORIAL, product_slug, preview)
        return docs.to_product_editorial(doc, self._asset_url) if doc is not None else None

    async def close(self) -> None:
        return None
