"""Content rules: cached reads through the source, local edits, import/export, the webhook.

Reads go through the source (local or Sanity) and the response cache (`content` tag). Every
change (a local edit, an import, a verified Sanity webhook) records a `ContentChanged` outbox
event with the storefront tags it touches, in the same transaction as the change; after commit
the caller invalidates the API's caches (`invalidate_after_change`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import orjson
import structlog
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.content import dataset, repository
from mercato.content import documents as docs
from mercato.content.exceptions import (
    ContentSourceUnavailable,
    DocumentNotFound,
    InvalidDocument,
    ReadOnlySource,
    SlugTaken,
)
from mercato.content.models import ContentWebhookDelivery
from mercato.content.portable_text import MAX_NESTING, too_deep
from mercato.content.ports import ContentPorts
from mercato.content.providers.local import MEDIA_DIR
from mercato.content.providers.port import (
    ContentSource,
    ContentUnavailable,
    PostCursor,
    ProductEditorial,
)
from mercato.content.schemas import (
    ContentDocumentPage,
    PageRead,
    PostPage,
    PostRead,
    PostSummaryRead,
    ProductEditorialRead,
    SiteSettingsRead,
)
from mercato.platform.cache_tags import product_tag
from mercato.platform.clock import utcnow
from mercato.platform.db import Database
from mercato.platform.errors import PreconditionFailed, ValidationFailed
from mercato.platform.pagination import cursor_fields, invalid_cursor
from mercato.platform.response_cache import ResponseCache
from mercato.revalidation.service import record_content_change

log = structlog.get_logger("mercato.content")

CONTENT_TAG = "content"
# API cache tags bumped by a product-editorial change: product detail responses embed it.
CATALOG_TAGS = ("products",)


# ----------------------------------------------------------------------------- cursors


def encode_post_cursor(cursor: PostCursor) -> str:
    raw = json.dumps([cursor.published_at, cursor.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_post_cursor(value: str) -> PostCursor:
    published_at, ident = cursor_fields(value, str, str)
    if not docs.DATETIME_PATTERN.fullmatch(published_at) or not docs.ID_PATTERN.fullmatch(ident):
        invalid_cursor()
    return PostCursor(published_at=published_at, id=ident)


# ----------------------------------------------------------------------------- reads


def _unavailable(source: ContentSource, exc: Exception) -> ContentSourceUnavailable:
    log.warning("content_source_unavailable", source=source.name, error=str(exc)[:200])
    return ContentSourceUnavailable("The content service is not reachable right now.")


async def list_posts(
    source: ContentSource, *, limit: int, cursor: str | None, preview: bool = False
) -> PostPage:
    after = decode_post_cursor(cursor) if cursor else None
    try:
        posts = await source.list_posts(limit=limit + 1, after=after, preview=preview)
    except ContentUnavailable as exc:
        raise _unavailable(source, exc) from exc
    page = posts[:limit]
    next_cursor = None
    if len(posts) > limit and page:
        last = page[-1]
        next_cursor = encode_post_cursor(PostCursor(last.published_at, last.id))
    return PostPage(
        items=[PostSummaryRead.model_validate(p) for p in page], next_cursor=next_cursor
    )


async def get_post(source: ContentSource, slug: str, *, preview: bool = False) -> PostRead | None:
    try:
        post = await source.get_post(slug, preview=preview)
    except ContentUnavailable as exc:
        raise _unavailable(source, exc) from exc
    return PostRead.model_validate(post) if post is not None else None


async def get_page(source: ContentSource, slug: str, *, preview: bool = False) -> PageRead | None:
    try:
        page = await source.get_page(slug, preview=preview)
    except ContentUnavailable as exc:
        raise _unavailable(source, exc) from exc
    return PageRead.model_validate(page) if page is not None else None


async def get_site_settings(source: ContentSource) -> SiteSettingsRead | None:
    try:
        settings = await source.get_site_settings()
    except ContentUnavailable as exc:
        raise _unavailable(source, exc) from exc
    return SiteSettingsRead.model_validate(settings) if settings is not None else None


def _editorial_read(editorial: ProductEditorial | None) -> ProductEditorialRead | None:
    return ProductEditorialRead.model_validate(editorial) if editorial is not None else None


async def product_editorial(
    source: ContentSource, cache: ResponseCache, product_slug: str
) -> orjson.Fragment | None:
    """The editorial for a product page as JSON (`ProductEditorialRead`'s shape), ready to be
    embedded in the page's own JSON without a model round trip; cached under the `content` tag.
    Never raises: when the source is down the product is shown without it (a warning is
    logged)."""

    async def compute() -> bytes:
        editorial = await source.get_product_editorial(product_slug)
        read = _editorial_read(editorial)
        return read.model_dump_json().encode() if read is not None else b"null"

    try:
        cached = await cache.get_or_compute(f"editorial:{product_slug}", (CONTENT_TAG,), compute)
    except ContentUnavailable as exc:
        log.warning("product_editorial_unavailable", source=source.name, error=str(exc)[:200])
        return None
    if cached.body == b"null":
        return None
    return orjson.Fragment(cached.body)


# ----------------------------------------------------------------------------- change tags


def storefront_tags(doc: Mapping[str, Any] | None) -> set[str]:
    """The storefront's data-cache tags a document appears under (always `content`)."""
    tags = {CONTENT_TAG}
    if not doc:
        return tags
    doc_type, slug = doc.get("_type"), docs.slug_of(doc)
    if doc_type == docs.POST:
        tags.add("posts")
        if slug:
            tags.add(f"post:{slug}")
    elif doc_type == docs.AUTHOR:
        tags.add("posts")
    elif doc_type == docs.PAGE and slug:
        tags.add(f"page:{slug}")
    elif doc_type == docs.SITE_SETTINGS:
        tags.add("site-settings")
    elif doc_type == docs.PRODUCT_EDITORIAL and slug:
        tags.add(f"product:{slug}")
    return tags


def catalog_tags(documents: Iterable[Mapping[str, Any] | None]) -> frozenset[str]:
    """The catalog response-cache tags to bump: a product's editorial is shown on that product's
    page only (`product:<slug>`); a document we cannot read or type refreshes every product."""
    tags: set[str] = set()
    for d in documents:
        doc_type = d.get("_type") if d is not None else None
        if doc_type in docs.SHOP_TYPES and doc_type != docs.PRODUCT_EDITORIAL:
            continue
        slug = docs.slug_of(d) if d is not None and doc_type == docs.PRODUCT_EDITORIAL else None
        tags.update((product_tag(slug),) if slug else CATALOG_TAGS)
    return frozenset(tags)


async def invalidate_after_change(
    content_cache: ResponseCache, catalog_cache: ResponseCache, *, catalog: Iterable[str]
) -> None:
    """After commit: every API process sees the change on its next read."""
    await content_cache.invalidate([CONTENT_TAG])
    if tags := set(catalog):
        await catalog_cache.invalidate(tags)


# ----------------------------------------------------------------------------- local edits


def require_local(source: ContentSource) -> None:
    if source.name != "local":
        raise ReadOnlySource(
            "Content is managed in Sanity (MERCATO_CONTENT__SOURCE=sanity): edit it in the Studio."
        )


def _etag_rev(if_match: str | None) -> str | None:
    if if_match is None:
        return None
    return if_match.strip().removeprefix("W/").strip('"')


async def list_documents(
    session: AsyncSession, *, doc_type: str | None, cursor: str | None, limit: int
) -> ContentDocumentPage:
    if cursor is not None and not docs.ID_PATTERN.fullmatch(cursor):
        raise ValidationFailed("The cursor is invalid.", code="invalid_cursor")
    rows = await repository.page(session, doc_type=doc_type, after_id=cursor, limit=limit)
    items = []
    for row in rows[:limit]:
        doc = repository.load(row)
        if too_deep(doc):  # stored before the limit: readable by id, never in a list
            log.warning("content_document_too_deep", document_id=row.id)
            continue
        items.append(doc)
    return ContentDocumentPage(
        items=items, next_cursor=rows[limit - 1].id if len(rows) > limit else None
    )


async def get_document(session: AsyncSession, doc_id: str) -> dict[str, Any]:
    row = await repository.get(session, doc_id)
    if row is None:
        raise DocumentNotFound(f"No content document {doc_id!r}.")
    return repository.load(row)


async def put_document(
    session: AsyncSession, doc_id: str, body: dict[str, Any], *, if_match: str | None
) -> tuple[dict[str, Any], bool, frozenset[str]]:
    """Create or replace a document. Returns (document, created, catalog cache tags to bump)."""
    if body.get("_id", doc_id) != doc_id:
        raise InvalidDocument("`_id` in the body differs from the URL.", extra={"field": "_id"})
    existing_row = await repository.get(session, doc_id)
    existing = repository.load(existing_row) if existing_row is not None else None
    expected = _etag_rev(if_match)
    if expected is not None and (existing is None or existing.get("_rev") != expected):
        raise PreconditionFailed("The document changed since you read it (its _rev differs).")
    now = repository.now_iso()
    doc: dict[str, Any] = {"_id": doc_id, **{k: v for k, v in body.items() if k != "_id"}}
    doc["_createdAt"] = existing.get("_createdAt", now) if existing else body.get("_createdAt", now)
    doc["_updatedAt"] = now
    doc["_rev"] = repository.new_rev()
    docs.validate_document(doc)
    if existing is not None and existing.get("_type") != doc["_type"]:
        raise InvalidDocument("A document's `_type` cannot change.", extra={"field": "_type"})
    slug = docs.slug_of(doc)
    if slug and doc["_type"] in docs.SLUGGED_TYPES:
        owner = await repository.slug_owner(
            session, doc["_type"], slug, draft=docs.is_draft(doc_id)
        )
        if owner is not None and owner != doc_id:
            raise SlugTaken(f"Another {doc['_type']} ({owner}) already uses the slug {slug!r}.")
    await repository.upsert(session, doc)
    tags = storefront_tags(doc) | storefront_tags(existing)
    if not docs.is_draft(doc_id):  # drafts show nowhere public
        record_content_change(session, tags, reason="admin")
    return doc, existing is None, catalog_tags([doc, existing] if existing else [doc])


async def delete_document(
    session: AsyncSession, doc_id: str, *, if_match: str | None
) -> frozenset[str]:
    """Delete; returns the catalog cache tags to bump (`catalog_tags`)."""
    row = await repository.get(session, doc_id)
    if row is None:
        raise DocumentNotFound(f"No content document {doc_id!r}.")
    existing = repository.load(row)
    expected = _etag_rev(if_match)
    if expected is not None and existing.get("_rev") != expected:
        raise PreconditionFailed("The document changed since you read it (its _rev differs).")
    await repository.remove(session, doc_id)
    if not docs.is_draft(doc_id):
        record_content_change(session, storefront_tags(existing), reason="admin")
    return catalog_tags([existing])


# ----------------------------------------------------------------------------- import / export


async def import_dataset(
    session: AsyncSession, data: dataset.Dataset, *, reason: str = "import"
) -> None:
    """Write every document (replacing those with the same `_id`) in the caller's transaction;
    the caller stores `data.assets` first."""
    await repository.upsert_many(session, data.documents)
    tags: set[str] = set()
    for doc in data.documents:
        tags |= storefront_tags(doc)
    if data.documents:
        record_content_change(session, tags | {"posts"}, reason=reason)


async def export_bodies(session: AsyncSession) -> list[str]:
    return [row.body for row in await repository.all_rows(session)]


# ----------------------------------------------------------------------------- webhook


def check_webhook_payload(payload: object) -> None:
    """Refuse a delivery no document could be (422) before anything is written: nested over
    `MAX_NESTING`, an unpaired surrogate, or an `_id` that is no document id."""
    if too_deep(payload):
        raise InvalidDocument(f"The webhook body nests more than {MAX_NESTING} levels deep.")
    try:
        json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise ValidationFailed(
            "The webhook body contains an unpaired surrogate.", code="invalid_text"
        ) from exc
    doc_id = payload.get("_id") if isinstance(payload, dict) else None
    if doc_id is not None and not (isinstance(doc_id, str) and docs.ID_PATTERN.match(doc_id)):
        raise InvalidDocument(
            "`_id` must be 1-128 characters: letters, digits, `_`, `-` and `.`.",
            extra={"field": "_id"},
        )


async def record_webhook(
    db: Database,
    *,
    signature: str,
    idempotency_key: str | None,
    payload: object,
    tolerance_seconds: int,
) -> tuple[bool, set[str], frozenset[str]]:
    """In one transaction: remember the delivery (a replay changes nothing) and record the
    storefront revalidation. Returns (duplicate, tags, catalog cache tags to bump)."""
    doc = payload if isinstance(payload, dict) else None
    tags = storefront_tags(doc)
    if doc is not None and isinstance(doc.get("_id"), str) and docs.is_draft(doc["_id"]):
        tags = {CONTENT_TAG}
    keys = [f"sig:{signature}"] + ([f"idem:{idempotency_key[:120]}"] if idempotency_key else [])
    document_id = doc.get("_id") if doc is not None and isinstance(doc.get("_id"), str) else None
    try:
        async with db.session() as session:
            seen = await session.scalar(
                select(ContentWebhookDelivery.id).where(ContentWebhookDelivery.id.in_(keys))
            )
            if seen is not None:
                return True, set(), frozenset()
            now = utcnow()
            await session.execute(
                delete(ContentWebhookDelivery).where(
                    ContentWebhookDelivery.received_at
                    < now - timedelta(seconds=2 * tolerance_seconds)
                )
            )
            for key in keys:
                session.add(
                    ContentWebhookDelivery(id=key, received_at=now, document_id=document_id)
                )
            record_content_change(session, tags, reason="sanity-webhook")
    except IntegrityError:
        return True, set(), frozenset()  # the same delivery raced in on another process
    return False, tags, catalog_tags([doc])


async def store_assets(container: ContentPorts, data: dataset.Dataset) -> None:
    for name, content in data.assets.items():
        content_type = "image/svg+xml" if name.endswith(".svg") else "application/octet-stream"
        await container.media.save(f"{MEDIA_DIR}/{name}", content, content_type)


async def import_into(container: ContentPorts, data: dataset.Dataset, *, reason: str) -> None:
    """Store the assets, then write every document in one transaction; refresh caches."""
    await store_assets(container, data)
    async with container.db.session() as session:
        await import_dataset(session, data, reason=reason)
    await invalidate_after_change(
        container.content_cache, container.catalog_cache, catalog=CATALOG_TAGS
    )
