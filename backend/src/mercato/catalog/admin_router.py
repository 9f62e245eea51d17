"""Staff endpoints under /admin: products, variants, categories, collections, stock, import.

Updates and deletes need `If-Match: "<version>"` (428 without it, 412 on a lost update); every
response carrying one object has its `ETag`. Writes commit first and then invalidate the public
response cache, so the next read on any API process sees them.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from mercato.accounts.dependencies import StaffUser
from mercato.catalog import cards, importer, queries, service
from mercato.catalog.media import EXTENSIONS, validate_upload
from mercato.catalog.models import Category, Collection
from mercato.catalog.ports import CatalogDep
from mercato.catalog.repository import DEFAULT_LIMIT, MAX_LIMIT, ProductQuery
from mercato.catalog.schemas import (
    CategoryCreate,
    CategoryNode,
    CategoryUpdate,
    CollectionCreate,
    CollectionList,
    CollectionSummary,
    CollectionUpdate,
    ImportReport,
    ProductCreate,
    ProductPage,
    ProductRead,
    ProductUpdate,
    VariantCreate,
    VariantUpdate,
)
from mercato.inventory import service as inventory
from mercato.inventory.schemas import StockAdjustment, StockLevelRead, StockMovementPage
from mercato.platform.deps import SessionDep, required_header
from mercato.platform.errors import NotFound, PreconditionRequired, ValidationFailed
from mercato.platform.strict import QueryBool
from mercato.revalidation.service import record_catalog_change

router = APIRouter(prefix="/admin", tags=["catalog-admin"])
# Registered before `router` so /products/export is not taken for /products/{product_id}.
io_router = APIRouter(prefix="/admin", tags=["catalog-admin"])

IfMatch = Annotated[
    str | None,
    required_header("If-Match", 'The ETag you read (e.g. "3"); a stale one is 412, missing 428.'),
]
OptionalIfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="The product's ETag, to refuse a stale write (412)."),
]
SkuPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
# Storefront revalidation tags (CatalogChanged). The API's own response cache is invalidated by
# what each write can change: `service.product_tags`, `category_write_tags`,
# `collection_write_tags`.
PRODUCT_TAGS = ("products",)
CATEGORY_TAGS = ("categories", "products")
COLLECTION_TAGS = ("collections", "products")


def parse_if_match(value: str | None, *, required: bool = True) -> int | None:
    """`"3"` / `W/"3"` / `3` -> 3; `*` -> None (any version). Missing -> 428 when required."""
    if value is None or not value.strip():
        if required:
            raise PreconditionRequired(
                'Send If-Match with the ETag you read (e.g. If-Match: "3").',
                code="if_match_required",
            )
        return None
    token = value.split(",")[0].strip().removeprefix("W/").strip('"')
    if token == "*":
        return None
    if not re.fullmatch(r"[0-9]{1,12}", token):  # ASCII digits only ("²".isdigit() is True)
        raise ValidationFailed("If-Match must be an ETag from this API.", code="bad_if_match")
    return int(token)


def etag(version: int) -> str:
    return f'"{version}"'


def _actor(user: StaffUser) -> str:
    return f"user:{user.id}"


async def _product_response(
    container: CatalogDep, product_id: uuid.UUID, status_code: int = 200
) -> Response:
    currency = container.settings.catalog.currency
    async with container.db.session(write=False) as session:
        body = await queries.product_page(
            session,
            currency,
            product_id=product_id,
            public=False,
            low_stock_threshold=container.settings.catalog.low_stock_threshold,
        )
    headers = {"ETag": etag(body["version"]), "Cache-Control": "no-store"}
    if status_code == 201:
        headers["Location"] = f"/api/v1/admin/products/{product_id}"
    return Response(
        cards.dump(body), status_code=status_code, headers=headers, media_type="application/json"
    )


# --------------------------------------------------------------------------- products


@router.get(
    "/products",
    operation_id="adminListProducts",
    response_model=ProductPage,
    summary="Products in every status",
)
async def admin_list_products(
    _user: StaffUser,
    container: CatalogDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Literal["draft", "active", "archived"] | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    query = ProductQuery(q=q, status=status, cursor=cursor, limit=limit)
    async with container.db.session(write=False) as session:
        page = await queries.list_products(session, query, container.settings.catalog.currency)
    # JSON-ready in `ProductPage`'s shape, stored cards as they are (no model round trip)
    return Response(cards.dump(page), media_type="application/json")


@router.post(
    "/products",
    operation_id="createProduct",
    responses={409: {"description": "slug_taken, sku_taken"}},
    status_code=201,
    response_model=ProductRead,
    summary="Create a product",
)
async def admin_create_product(
    data: ProductCreate, user: StaffUser, container: CatalogDep, session: SessionDep
) -> Response:
    product = await service.create_product(
        session, data, currency=container.settings.catalog.currency, actor=_actor(user)
    )
    product_id, stale = product.id, service.product_tags(product.slug, categories=True)
    record_catalog_change(session, PRODUCT_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(stale)
    return await _product_response(container, product_id, 201)


@router.get(
    "/products/{product_id}",
    operation_id="adminGetProduct",
    summary="One product in any status, with its ETag",
    response_model=ProductRead,
)
async def admin_get_product(
    product_id: uuid.UUID, _user: StaffUser, container: CatalogDep
) -> Response:
    return await _product_response(container, product_id)


@router.patch(
    "/products/{product_id}",
    operation_id="updateProduct",
    responses={409: {"description": "slug_taken"}},
    summary="Update a product (If-Match)",
    response_model=ProductRead,
)
async def admin_update_product(
    product_id: uuid.UUID,
    data: ProductUpdate,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    expected = parse_if_match(if_match)
    result = await service.update_product(session, product_id, data, expected_version=expected)
    record_catalog_change(session, PRODUCT_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(result.tags)
    return await _product_response(container, product_id)


@router.delete(
    "/products/{product_id}",
    operation_id="deleteProduct",
    summary="Delete a product (If-Match)",
    status_code=204,
)
async def admin_delete_product(
    product_id: uuid.UUID,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    expected = parse_if_match(if_match)
    result = await service.delete_product(session, product_id, expected_version=expected)
    record_catalog_change(session, PRODUCT_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(result.tags)
    return Response(status_code=204)


@router.post(
    "/products/{product_id}/variants",
    operation_id="createVariant",
    responses={409: {"description": "sku_taken"}},
    summary="Add a variant to a product",
    status_code=201,
    response_model=ProductRead,
)
async def admin_add_variant(
    product_id: uuid.UUID,
    data: VariantCreate,
    user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: OptionalIfMatch = None,
) -> Response:
    expected = parse_if_match(if_match, required=False)
    result = await service.add_variant(
        session,
        product_id,
        data,
        currency=container.settings.catalog.currency,
        expected_version=expected,
        actor=_actor(user),
    )
    record_catalog_change(session, PRODUCT_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(result.tags)
    return await _product_response(container, product_id, 201)


@router.patch(
    "/variants/{variant_id}",
    operation_id="updateVariant",
    responses={409: {"description": "sku_taken"}},
    summary="Update a variant (If-Match: the product's ETag)",
    response_model=ProductRead,
)
async def admin_update_variant(
    variant_id: uuid.UUID,
    data: VariantUpdate,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """If-Match carries the owning product's ETag (a variant is part of the product)."""
    expected = parse_if_match(if_match)
    service.ensure_shop_currency(data, container.settings.catalog.currency)
    result = await service.update_variant(session, variant_id, data, expected_version=expected)
    assert result.product is not None
    product_id = result.product.id
    record_catalog_change(session, PRODUCT_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(result.tags)
    return await _product_response(container, product_id)


@router.delete(
    "/variants/{variant_id}",
    operation_id="deleteVariant",
    responses={409: {"description": "last_variant"}},
    summary="Delete a variant (If-Match: the product's ETag)",
    response_model=ProductRead,
)
async def admin_delete_variant(
    variant_id: uuid.UUID,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    expected = parse_if_match(if_match)
    result = await service.delete_variant(session, variant_id, expected_version=expected)
    assert result.product is not None
    product_id = result.product.id
    record_catalog_change(session, PRODUCT_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(result.tags)
    return await _product_response(container, product_id)


@router.post(
    "/products/{product_id}/images",
    operation_id="uploadProductImage",
    responses={415: {"description": "unsupported_media_type, empty_upload"}},
    status_code=201,
    response_model=ProductRead,
    summary="Upload an image (PNG, JPEG, GIF or WebP; checked by content, size-limited)",
)
async def admin_upload_image(
    product_id: uuid.UUID,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    alt: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    limits = container.settings.catalog
    data = await file.read(limits.media_max_bytes + 1)
    info = validate_upload(
        data, max_bytes=limits.media_max_bytes, max_pixels=limits.media_max_pixels
    )
    await service.get_product(session, product_id)  # 404 before writing a file
    name = f"products/{product_id}/{uuid.uuid4().hex}.{EXTENSIONS[info.content_type]}"
    url = await container.media.save(name, data, info.content_type)
    try:
        result = await service.add_image(session, product_id, url, alt)
        record_catalog_change(session, PRODUCT_TAGS, reason="admin")
        await session.commit()
    except BaseException:
        await container.media.delete(name)
        raise
    await container.catalog_cache.invalidate(result.tags)
    return await _product_response(container, product_id, 201)


# --------------------------------------------------------------------------- categories


def _category_response(node: Category, status_code: int = 200) -> JSONResponse:
    body = CategoryNode(
        id=node.id,
        name=node.name,
        slug=node.slug,
        description=node.description,
        position=node.position,
        parent_id=node.parent_id,
        product_count=0,
        version=node.version,
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status_code, headers={"ETag": etag(node.version)}
    )


@router.post(
    "/categories",
    operation_id="createCategory",
    responses={409: {"description": "slug_taken"}},
    summary="Create a category",
    status_code=201,
    response_model=CategoryNode,
)
async def admin_create_category(
    data: CategoryCreate, _user: StaffUser, container: CatalogDep, session: SessionDep
) -> JSONResponse:
    category = await service.create_category(session, data)
    record_catalog_change(session, CATEGORY_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(service.category_write_tags())
    return _category_response(category, 201)


@router.patch(
    "/categories/{category_id}",
    operation_id="updateCategory",
    responses={409: {"description": "slug_taken, category_cycle"}},
    summary="Update a category (If-Match)",
    response_model=CategoryNode,
)
async def admin_update_category(
    category_id: uuid.UUID,
    data: CategoryUpdate,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    expected = parse_if_match(if_match)
    category = await service.update_category(session, category_id, data, expected_version=expected)
    record_catalog_change(session, CATEGORY_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(service.category_write_tags(data.model_fields_set))
    return _category_response(category)


@router.delete(
    "/categories/{category_id}",
    operation_id="deleteCategory",
    responses={409: {"description": "category_not_empty"}},
    summary="Delete a category (If-Match)",
    status_code=204,
)
async def admin_delete_category(
    category_id: uuid.UUID,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    expected = parse_if_match(if_match)
    await service.delete_category(session, category_id, expected_version=expected)
    record_catalog_change(session, CATEGORY_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(service.category_write_tags())
    return Response(status_code=204)


# --------------------------------------------------------------------------- collections


def _collection_response(collection: Collection, status_code: int = 200) -> JSONResponse:
    body = {
        "id": str(collection.id),
        "title": collection.title,
        "slug": collection.slug,
        "description": collection.description,
        "version": collection.version,
    }
    return JSONResponse(body, status_code=status_code, headers={"ETag": etag(collection.version)})


@router.get(
    "/collections",
    operation_id="adminListCollections",
    summary="Collections, newest first",
    response_model=CollectionList,
)
async def admin_list_collections(
    _user: StaffUser,
    container: CatalogDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CollectionList:
    async with container.db.session(write=False) as session:
        rows, next_cursor = await service.list_collections(session, limit=limit, cursor=cursor)
    return CollectionList(
        items=[
            CollectionSummary(id=c.id, title=c.title, slug=c.slug, version=c.version) for c in rows
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/collections",
    operation_id="createCollection",
    responses={409: {"description": "slug_taken"}},
    summary="Create a collection",
    status_code=201,
)
async def admin_create_collection(
    data: CollectionCreate, _user: StaffUser, container: CatalogDep, session: SessionDep
) -> JSONResponse:
    collection = await service.create_collection(session, data)
    stale = service.collection_write_tags(collection.slug, listings=bool(data.product_ids))
    record_catalog_change(session, COLLECTION_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(stale)
    return _collection_response(collection, 201)


@router.patch(
    "/collections/{collection_id}",
    operation_id="updateCollection",
    responses={409: {"description": "slug_taken"}},
    summary="Update a collection (If-Match)",
)
async def admin_update_collection(
    collection_id: uuid.UUID,
    data: CollectionUpdate,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    expected = parse_if_match(if_match)
    before = await session.get(Collection, collection_id)
    old_slug = before.slug if before is not None else None
    collection = await service.update_collection(
        session, collection_id, data, expected_version=expected
    )
    stale = service.collection_write_tags(
        *{collection.slug, old_slug or collection.slug},
        listings=bool({"slug", "product_ids"} & data.model_fields_set),
    )
    record_catalog_change(session, COLLECTION_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(stale)
    return _collection_response(collection)


@router.delete(
    "/collections/{collection_id}",
    operation_id="deleteCollection",
    summary="Delete a collection (If-Match)",
    status_code=204,
)
async def admin_delete_collection(
    collection_id: uuid.UUID,
    _user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    expected = parse_if_match(if_match)
    doomed = await session.get(Collection, collection_id)
    stale = service.collection_write_tags(*([doomed.slug] if doomed else []), listings=True)
    await service.delete_collection(session, collection_id, expected_version=expected)
    record_catalog_change(session, COLLECTION_TAGS, reason="admin")
    await session.commit()
    await container.catalog_cache.invalidate(stale)
    return Response(status_code=204)


# --------------------------------------------------------------------------- inventory


@router.get(
    "/inventory/{sku}",
    operation_id="getStockLevel",
    summary="Stock level of a SKU",
    response_model=StockLevelRead,
    tags=["inventory-admin"],
)
async def admin_stock_level(
    sku: SkuPath, _user: StaffUser, container: CatalogDep
) -> StockLevelRead:
    async with container.db.session(write=False) as session:
        levels = await inventory.stock_levels(session, [sku])
        if sku in levels:
            return levels[sku]
        if not await service.get_purchasable_variants(session, [sku]):
            raise NotFound(f"No variant has the SKU {sku!r}.", code="sku_not_found")
    # a variant that never had stock
    return StockLevelRead(sku=sku, warehouse="default", on_hand=0, reserved=0, available=0)


@router.get(
    "/inventory/{sku}/movements",
    operation_id="listStockMovements",
    summary="Stock movements of a SKU, newest first",
    response_model=StockMovementPage,
    tags=["inventory-admin"],
)
async def admin_stock_movements(
    sku: SkuPath,
    _user: StaffUser,
    container: CatalogDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> StockMovementPage:
    async with container.db.session(write=False) as session:
        items, next_cursor = await inventory.movements(session, sku, limit=limit, cursor=cursor)
    return StockMovementPage(items=items, next_cursor=next_cursor)


@router.post(
    "/inventory/{sku}/adjustments",
    operation_id="adjustStock",
    responses={409: {"description": "stock_below_reserved"}},
    summary="Adjust the stock on hand of a SKU",
    response_model=StockLevelRead,
    tags=["inventory-admin"],
)
async def admin_adjust_stock(
    sku: SkuPath,
    data: StockAdjustment,
    user: StaffUser,
    session: SessionDep,
) -> StockLevelRead:
    """`{"delta": -2, "reason": "damaged"}` or `{"on_hand": 40, "reason": "stock take"}`."""
    if (data.delta is None) == (data.on_hand is None):
        raise ValidationFailed("Give exactly one of `delta` or `on_hand`.", code="bad_adjustment")
    if data.delta == 0:
        raise ValidationFailed("A change of 0 changes nothing.", code="bad_adjustment")
    known = await service.get_purchasable_variants(session, [sku])
    if sku not in known:
        raise ValidationFailed(f"Unknown SKU {sku!r}.", code="unknown_sku")
    if data.delta is not None:
        level = await inventory.adjust(
            session, sku, data.delta, reason=data.reason, actor=_actor(user)
        )
    else:
        assert data.on_hand is not None
        level = await inventory.set_on_hand(
            session, sku, data.on_hand, reason=data.reason, actor=_actor(user)
        )
    await session.commit()
    # the move reaches the response cache through catalog.freshness once the unit of work ends:
    # this product's page, and lists too when the SKU crossed sold out
    return level


# --------------------------------------------------------------------------- import / export


@io_router.post(
    "/products/import",
    operation_id="importProducts",
    responses={409: {"description": "slug_taken, sku_taken"}},
    response_model=ImportReport,
    summary="Bulk import (CSV or JSON body); nothing is written if any row is invalid",
)
async def admin_import(
    request: Request,
    user: StaffUser,
    container: CatalogDep,
    session: SessionDep,
    format: Annotated[Literal["csv", "json"] | None, Query()] = None,
    partial: QueryBool = False,
) -> JSONResponse:
    raw = await request.body()
    kind = format or ("json" if "json" in request.headers.get("content-type", "") else "csv")
    report = await importer.import_bytes(
        container, raw, kind=kind, partial=partial, actor=_actor(user), session=session
    )
    status_code = 200 if report.written or not report.errors else 422
    body = report.model_dump(mode="json")
    if status_code == 422:
        from mercato.platform.errors import problem_body

        body = problem_body(
            422,
            "import_invalid",
            f"{len(report.errors)} error(s); nothing was written.",
            title="Import rejected",
            **body,
        )
        return JSONResponse(body, status_code=422, media_type="application/problem+json")
    return JSONResponse(body, status_code=status_code)


_EXPORT_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A file in the import format (Content-Disposition: attachment)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    }
}


@io_router.get(
    "/products/export",
    operation_id="exportProducts",
    summary="Export every product as CSV or JSON",
    response_class=Response,
    responses=_EXPORT_FILE,
)
async def admin_export(
    _user: StaffUser,
    container: CatalogDep,
    format: Literal["csv", "json"] = "csv",
) -> Response:
    async with container.db.session(write=False) as session:
        data = await importer.export(session, kind=format)
    media_type = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(
        content=data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="products.{format}"'},
    )
