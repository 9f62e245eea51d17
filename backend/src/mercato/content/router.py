"""Content endpoints: public reads (cached, ETag), the Sanity webhook, staff document CRUD."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mercato.accounts.dependencies import StaffUser
from mercato.content import dataset, documents, service
from mercato.content.exceptions import (
    InvalidWebhookSignature,
    PageNotFound,
    PostNotFound,
    SiteSettingsMissing,
    WebhookDisabled,
)
from mercato.content.ports import ContentDep
from mercato.content.schemas import (
    ContentDocumentPage,
    PageRead,
    PostPage,
    PostRead,
    SanityWebhookAck,
    SiteSettingsRead,
)
from mercato.content.webhook import SIGNATURE_HEADER, SignatureError, verify
from mercato.platform.deps import SessionDep
from mercato.platform.errors import NotFound, ValidationFailed
from mercato.platform.response_cache import cache_key, etag_matches, response_headers

router = APIRouter(prefix="/content", tags=["content"])
admin_router = APIRouter(prefix="/admin/content", tags=["content-admin"])

Slug = Annotated[str, Path(max_length=200, pattern=documents.SLUG_PATTERN.pattern)]
DocumentId = Annotated[str, Path(max_length=128, pattern=documents.ID_PATTERN.pattern)]
JSON_TYPE = "application/json"
MAX_LIMIT = 50


async def cached_json(
    request: Request,
    container: ContentDep,
    compute: Callable[[], Awaitable[BaseModel | None]],
    not_found: Callable[[], Exception],
) -> Response:
    async def render() -> bytes:
        value = await compute()
        return b"null" if value is None else value.model_dump_json().encode()

    key = cache_key(request.scope["path"], request.scope["query_string"])
    cached = await container.content_cache.get_or_compute(key, (service.CONTENT_TAG,), render)
    if cached.body == b"null":
        raise not_found()
    headers = response_headers(
        cached.etag, container.settings.catalog.http_max_age_seconds, cached.hit
    )
    if etag_matches(request.headers.get("if-none-match"), cached.etag):
        return Response(status_code=304, headers=headers)
    return Response(content=cached.body, media_type=JSON_TYPE, headers=headers)


@router.get(
    "/posts",
    operation_id="listPosts",
    summary="Blog posts, newest first",
    response_model=PostPage,
    responses={304: {"description": "Not modified"}, 503: {"description": "Content unavailable"}},
)
async def list_posts(
    request: Request,
    container: ContentDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 12,
) -> Response:
    async def compute() -> PostPage:
        return await service.list_posts(container.content_source, limit=limit, cursor=cursor)

    return await cached_json(request, container, compute, PostNotFound)


@router.get(
    "/posts/{slug}",
    operation_id="getPost",
    summary="One blog post with its Portable Text body",
    response_model=PostRead,
    responses={
        304: {"description": "Not modified"},
        404: {"description": "No such post"},
        503: {"description": "Content unavailable"},
    },
)
async def get_post(slug: Slug, request: Request, container: ContentDep) -> Response:
    async def compute() -> PostRead | None:
        return await service.get_post(container.content_source, slug)

    return await cached_json(request, container, compute, lambda: PostNotFound("No such post."))


@router.get(
    "/pages/{slug}",
    operation_id="getPage",
    summary="A CMS page (about, faq, shipping-returns, terms, privacy, …)",
    response_model=PageRead,
    responses={
        304: {"description": "Not modified"},
        404: {"description": "No such page"},
        503: {"description": "Content unavailable"},
    },
)
async def get_page(slug: Slug, request: Request, container: ContentDep) -> Response:
    async def compute() -> PageRead | None:
        return await service.get_page(container.content_source, slug)

    return await cached_json(request, container, compute, lambda: PageNotFound("No such page."))


@router.get(
    "/site-settings",
    operation_id="getSiteSettings",
    summary="Home hero, announcement bar and footer links",
    response_model=SiteSettingsRead,
    responses={
        304: {"description": "Not modified"},
        404: {"description": "No site settings yet"},
        503: {"description": "Content unavailable"},
    },
)
async def get_site_settings(request: Request, container: ContentDep) -> Response:
    async def compute() -> SiteSettingsRead | None:
        return await service.get_site_settings(container.content_source)

    return await cached_json(
        request, container, compute, lambda: SiteSettingsMissing("No site settings yet.")
    )


@router.post(
    "/sanity/webhook",
    operation_id="receiveSanityWebhook",
    summary="Sanity webhook: verified, then caches and storefront pages are refreshed",
    response_model=SanityWebhookAck,
    responses={
        401: {"description": "Missing, malformed, stale, future or wrong signature"},
        404: {"description": "webhook_disabled: MERCATO_CONTENT__WEBHOOK_SECRET is not set"},
    },
)
async def sanity_webhook(
    request: Request,
    container: ContentDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> SanityWebhookAck:
    settings = container.settings.content
    if settings.webhook_secret is None:
        raise WebhookDisabled("Set MERCATO_CONTENT__WEBHOOK_SECRET to receive Sanity webhooks.")
    raw = await request.body()
    try:
        signature = verify(
            request.headers.get(SIGNATURE_HEADER),
            raw,
            settings.webhook_secret.get_secret_value(),
            tolerance_seconds=settings.webhook_tolerance_seconds,
        )
    except SignatureError as exc:
        raise InvalidWebhookSignature(str(exc)) from exc
    try:
        payload: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # not UTF-8 or JSON, a huge number, too deep
        raise ValidationFailed("The webhook body is not JSON.", code="invalid_json") from exc
    service.check_webhook_payload(payload)
    duplicate, tags, catalog = await service.record_webhook(
        container.db,
        signature=signature,
        idempotency_key=idempotency_key,
        payload=payload,
        tolerance_seconds=settings.webhook_tolerance_seconds,
    )
    if not duplicate:
        await service.invalidate_after_change(
            container.content_cache, container.catalog_cache, catalog=catalog
        )
    return SanityWebhookAck(received=True, duplicate=duplicate, tags=sorted(tags))


# --------------------------------------------------------------------------- staff


def _document_response(doc: dict[str, Any], status_code: int = 200) -> JSONResponse:
    return JSONResponse(doc, status_code=status_code, headers={"ETag": f'"{doc.get("_rev", "")}"'})


IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=100, description='The `_rev` you read, as an ETag ("…").'),
]


@admin_router.get(
    "/documents",
    operation_id="listContentDocuments",
    summary="Content documents of the local source, by _id",
    response_model=ContentDocumentPage,
)
async def list_documents(
    _user: StaffUser,
    session: SessionDep,
    type: Annotated[
        str | None, Query(max_length=64, pattern=documents.TYPE_PATTERN.pattern)
    ] = None,
    cursor: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ContentDocumentPage:
    return await service.list_documents(session, doc_type=type, cursor=cursor, limit=limit)


@admin_router.get(
    "/documents/{document_id}",
    operation_id="getContentDocument",
    summary="One content document (ETag: its _rev)",
    response_model=dict[str, Any],
    responses={404: {"description": "No such document"}},
)
async def get_document(
    document_id: DocumentId, _user: StaffUser, session: SessionDep
) -> JSONResponse:
    return _document_response(await service.get_document(session, document_id))


@admin_router.put(
    "/documents/{document_id}",
    operation_id="putContentDocument",
    summary="Create or replace a content document (local source)",
    response_model=dict[str, Any],
    status_code=200,
    responses={
        201: {"description": "Created"},
        409: {"description": "slug_taken, or content_source_read_only (Sanity source)"},
        412: {"description": "If-Match does not match the current _rev"},
    },
)
async def put_document(
    document_id: DocumentId,
    _user: StaffUser,
    container: ContentDep,
    session: SessionDep,
    body: Annotated[
        dict[str, Any],
        Body(
            examples=[
                {
                    "_type": "page",
                    "title": "About us",
                    "slug": {"_type": "slug", "current": "about"},
                    "body": [
                        {
                            "_type": "block",
                            "_key": "a1",
                            "style": "normal",
                            "markDefs": [],
                            "children": [
                                {"_type": "span", "_key": "a1s", "text": "Hello", "marks": []}
                            ],
                        }
                    ],
                }
            ]
        ),
    ],
    if_match: IfMatch = None,
) -> JSONResponse:
    service.require_local(container.content_source)
    doc, created, catalog = await service.put_document(
        session, document_id, body, if_match=if_match
    )
    await session.commit()
    await service.invalidate_after_change(
        container.content_cache, container.catalog_cache, catalog=catalog
    )
    return _document_response(doc, 201 if created else 200)


@admin_router.delete(
    "/documents/{document_id}",
    operation_id="deleteContentDocument",
    summary="Delete a content document (local source)",
    status_code=204,
    responses={
        404: {"description": "No such document"},
        409: {"description": "content_source_read_only (Sanity source)"},
        412: {"description": "If-Match does not match the current _rev"},
    },
)
async def delete_document(
    document_id: DocumentId,
    _user: StaffUser,
    container: ContentDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    service.require_local(container.content_source)
    catalog = await service.delete_document(session, document_id, if_match=if_match)
    await session.commit()
    await service.invalidate_after_change(
        container.content_cache, container.catalog_cache, catalog=catalog
    )
    return Response(status_code=204)


@admin_router.get(
    "/export",
    operation_id="exportContent",
    summary="Every local content document as a Sanity NDJSON export",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "NDJSON"}},
)
async def export_content(_user: StaffUser, session: SessionDep) -> Response:
    bodies = await service.export_bodies(session)
    return Response(
        dataset.write_ndjson(bodies),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="content.ndjson"'},
    )


@admin_router.get(
    "/preview/posts/{slug}",
    operation_id="previewPost",
    summary="A post as it will look, drafts included (never cached)",
    response_model=PostRead,
    responses={404: {"description": "No such post"}, 503: {"description": "Content unavailable"}},
)
async def preview_post(slug: Slug, _user: StaffUser, container: ContentDep) -> PostRead:
    post = await service.get_post(container.content_source, slug, preview=True)
    if post is None:
        raise NotFound("No such post.", code="post_not_found")
    return post


@admin_router.get(
    "/preview/pages/{slug}",
    operation_id="previewPage",
    summary="A page as it will look, drafts included (never cached)",
    response_model=PageRead,
    responses={404: {"description": "No such page"}, 503: {"description": "Content unavailable"}},
)
async def preview_page(slug: Slug, _user: StaffUser, container: ContentDep) -> PageRead:
    page = await service.get_page(container.content_source, slug, preview=True)
    if page is None:
        raise NotFound("No such page.", code="page_not_found")
    return page
