"""Public catalog endpoints: cached JSON with ETag/Cache-Control and 304 on If-None-Match."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from mercato.catalog import cards, queries
from mercato.catalog.fastpath import tags_for
from mercato.catalog.media import SERVED_TYPES
from mercato.catalog.ports import CatalogDep
from mercato.catalog.repository import DEFAULT_LIMIT, MAX_LIMIT, ProductQuery, parse_options
from mercato.catalog.schemas import CategoryList, CollectionRead, ProductPage, ProductRead
from mercato.catalog.text import SLUG_PATTERN
from mercato.platform.errors import NotFound
from mercato.platform.files import FileAnswer
from mercato.platform.response_cache import cache_key, etag_matches, response_headers
from mercato.platform.strict import QueryBool

router = APIRouter(tags=["catalog"])
_SLUG = re.compile(SLUG_PATTERN)
media_router = APIRouter(tags=["media"])

SortParam = Literal["relevance", "price_asc", "price_desc", "newest", "name"]
JSON = "application/json"


async def cached_json(
    request: Request,
    container: CatalogDep,
    compute: Callable[[], Awaitable[BaseModel | dict[str, Any]]],
) -> Response:
    async def render() -> bytes:
        value = await compute()
        if isinstance(value, BaseModel):
            return value.model_dump_json().encode()
        return cards.dump(value)  # a JSON-ready read model: no pydantic on the hot path

    path: str = request.scope["path"]
    key = cache_key(path, request.scope["query_string"])
    tags = tags_for(path) or ("products",)
    cached = await container.catalog_cache.get_or_compute(key, tags, render)
    max_age = container.settings.catalog.http_max_age_seconds
    headers = response_headers(cached.etag, max_age, cached.hit)
    if etag_matches(request.headers.get("if-none-match"), cached.etag):
        return Response(status_code=304, headers=headers)
    return Response(content=cached.body, media_type=JSON, headers=headers)


@router.get(
    "/products",
    operation_id="listProducts",
    summary="List, filter, sort and search products",
    response_model=ProductPage,
    responses={304: {"description": "Not modified (If-None-Match)"}},
)
async def list_products(
    request: Request,
    container: CatalogDep,
    q: Annotated[str | None, Query(max_length=200, description="full-text search")] = None,
    as_typed: Annotated[
        QueryBool,
        Query(
            description="true: search `q`'s words as they are, without typo correction "
            "(`corrected_query` is null); stemming and prefix matching stay"
        ),
    ] = False,
    category: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=SLUG_PATTERN,
            description="category slug (includes descendants)",
        ),
    ] = None,
    collection: Annotated[str | None, Query(max_length=200, pattern=SLUG_PATTERN)] = None,
    price_min: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
    price_max: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
    option: Annotated[
        list[str],
        Query(
            max_length=20,
            description="`name:value`, repeatable: `option=size:M&option=size:L&option=colour:Blue`"
            " (values of one option are OR-ed, different options AND-ed, on the same variant)",
        ),
    ] = [],  # noqa: B006 - FastAPI copies defaults
    in_stock: QueryBool | None = None,
    sort: SortParam | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    facets: QueryBool = False,
) -> Response:
    query = ProductQuery(
        q=q.strip() if q and q.strip() else None,
        category=category,
        collection=collection,
        price_min=price_min,
        price_max=price_max,
        options=parse_options(option),
        in_stock=in_stock,
        sort=sort,
        cursor=cursor,
        limit=limit,
        facets=facets,
        as_typed=as_typed,
    )
    currency = container.settings.catalog.currency

    async def compute() -> dict[str, Any]:
        async with container.db.session(write=False) as session:
            return await queries.list_products(session, query, currency)

    return await cached_json(request, container, compute)


@router.get(
    "/products/{slug}",
    operation_id="getProduct",
    summary="One product with variants, availability, images, breadcrumbs and related products",
    response_model=ProductRead,
    responses={304: {"description": "Not modified"}, 404: {"description": "No such product"}},
)
async def get_product(slug: str, request: Request, container: CatalogDep) -> Response:
    if len(slug) > 300 or not _SLUG.match(slug):
        raise NotFound("No such product.", code="product_not_found")

    async def compute() -> dict[str, Any]:
        return await queries.product_detail(container, slug)

    return await cached_json(request, container, compute)


@router.get(
    "/categories",
    operation_id="listCategories",
    summary="The category tree",
    response_model=CategoryList,
)
async def list_categories(request: Request, container: CatalogDep) -> Response:
    async def compute() -> BaseModel:
        async with container.db.session(write=False) as session:
            tree = list(await queries.category_tree(session))
        return CategoryList(items=tree, next_cursor=None)

    return await cached_json(request, container, compute)


@router.get(
    "/collections/{slug}",
    operation_id="getCollection",
    summary="A collection with a page of its products",
    response_model=CollectionRead,
    responses={404: {"description": "No such collection"}},
)
async def get_collection(
    slug: str,
    request: Request,
    container: CatalogDep,
    sort: SortParam | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    in_stock: QueryBool | None = None,
) -> Response:
    currency = container.settings.catalog.currency
    if len(slug) > 200 or not _SLUG.match(slug):
        raise NotFound("No such collection.", code="collection_not_found")
    query = ProductQuery(sort=sort, cursor=cursor, limit=limit, in_stock=in_stock)

    async def compute() -> dict[str, Any]:
        async with container.db.session(write=False) as session:
            return await queries.collection_page(session, slug, currency, query)

    return await cached_json(request, container, compute)


@media_router.get("/media/{name:path}", include_in_schema=False)
async def serve_media(name: str, container: CatalogDep) -> Response:
    path = container.media.local_path(name)
    suffix = path.suffix.lower() if path is not None else ""
    if path is None or suffix not in SERVED_TYPES:
        raise NotFound("No such file.")
    return FileAnswer(
        path,
        media_type=SERVED_TYPES[suffix],
        headers={
            "Cache-Control": "public, max-age=86400",
            # Media never runs scripts, even an SVG opened directly.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
    )
