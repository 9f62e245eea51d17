"""Read models for the public API: product pages, detail, category tree, collections."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from mercato.catalog import cards, service
from mercato.catalog.exceptions import ProductNotFound
from mercato.catalog.models import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    Variant,
)
from mercato.catalog.repository import ProductQuery, ProductRepository
from mercato.catalog.schemas import (
    CategoryNode,
    CategoryRef,
    Facets,
    ImageRead,
    Money,
    OptionRead,
    ProductRead,
    ProductSummary,
    VariantRead,
)
from mercato.inventory import service as inventory

RELATED_LIMIT = 4


def _money(amount: int, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


async def list_products(
    session: AsyncSession, query: ProductQuery, currency: str
) -> dict[str, Any]:
    """A page of products (`schemas.ProductPage`'s shape), JSON-ready: the page's ids from the
    repository, then their cards in one statement."""
    result = await ProductRepository(session).list(query)
    return {
        "items": await cards.cards(session, result.ids, currency),
        "next_cursor": result.next_cursor,
        "facets": (
            Facets.model_validate(result.facets).model_dump(mode="json")
            if result.facets is not None
            else None
        ),
        "corrected_query": result.corrected_query,
    }


async def breadcrumbs(session: AsyncSession, category_id: uuid.UUID | None) -> list[CategoryRef]:
    if category_id is None:
        return []
    rows = await session.execute(_breadcrumbs_statement(), {"category_id": category_id})
    return [CategoryRef(id=r.id, name=r.name, slug=r.slug) for r in rows]


# The product page's statements are built once, with bind parameters: building one (subqueries,
# aliases, loader options) cost more CPU than running it (docs/benchmarks.md).


@cache
def _breadcrumbs_statement() -> Any:
    """The category and its ancestors (whose paths are prefixes of its path), root first."""
    node = aliased(Category)
    return (
        select(Category.id, Category.name, Category.slug)
        .join(node, node.path.startswith(Category.path))
        .where(node.id == bindparam("category_id"))
        .order_by(func.length(Category.path))
    )


@cache
def _product_statement(public: bool) -> Any:
    """The product by slug with its collections' slugs; options and images load with it."""
    stmt = (
        select(Product, _collection_slugs(Product.id))
        .where(Product.slug == bindparam("slug"))
        .options(selectinload(Product.options), selectinload(Product.images))
    )
    return stmt.where(Product.status == "active") if public else stmt


@cache
def _variants_statement() -> Any:
    """A product's variants in order, each with its available quantity."""
    return (
        select(Variant, inventory.available_sql(Variant.sku))
        .where(Variant.product_id == bindparam("product_id"))
        .order_by(Variant.position)
    )


def _collection_slugs(product_id: Any) -> Any:
    """The slugs of the collections holding the product, comma-separated (slugs have no comma)."""
    return (
        select(func.aggregate_strings(Collection.slug, ","))
        .join(CollectionProduct, CollectionProduct.collection_id == Collection.id)
        .where(CollectionProduct.product_id == product_id)
        .scalar_subquery()
    )


async def product_detail(
    session: AsyncSession,
    slug: str,
    currency: str,
    *,
    public: bool = True,
    low_stock_threshold: int = 5,
) -> ProductRead:
    """A product page: the product with its collections, options and images (three statements),
    then product_read's variants with stock, breadcrumbs and related cards (three more)."""
    row = (await session.execute(_product_statement(public), {"slug": slug})).one_or_none()
    if row is None:
        raise ProductNotFound()
    product, slugs = row
    return await product_read(
        session,
        product,
        currency,
        public=public,
        low_stock_threshold=low_stock_threshold,
        collections=sorted(slugs.split(",")) if slugs else [],
    )


@cache
def _related_statement(by: str | None) -> Any:
    """The cards of up to RELATED_LIMIT other published products with the same `by` column
    (category, brand, or none), newest first: one statement, built once."""
    related = select(Product.id).where(
        Product.status == "active", Product.id != bindparam("product_id")
    )
    if by == "category":
        related = related.where(Product.category_id == bindparam("key"))
    elif by == "brand":
        related = related.where(Product.brand == bindparam("key"))
    newest = (Product.created_at.desc(), Product.id)
    return cards.statement_for(related.order_by(*newest).limit(RELATED_LIMIT), *newest)


async def _related_cards(session: AsyncSession, product: Product, currency: str) -> list[Any]:
    """Other products of its category, else of its brand, else any."""
    by: str | None = None
    key: Any = None
    if product.category_id is not None:
        by, key = "category", product.category_id
    elif product.brand:
        by, key = "brand", product.brand
    params: dict[str, Any] = {"product_id": product.id, "key": key}
    if by is None:
        params.pop("key")
    return await cards.cards_from(session, _related_statement(by), params, currency)


async def product_read(
    session: AsyncSession,
    product: Product,
    currency: str,
    *,
    public: bool = True,
    low_stock_threshold: int = 5,
    collections: list[str] | None = None,
) -> ProductRead:
    """The product page of a product loaded with its options and images."""
    variant_rows = await session.execute(_variants_statement(), {"product_id": product.id})
    variants: list[Variant] = []
    stock: dict[str, int] = {}
    for variant, available in variant_rows:
        if variant.is_active or not public:
            variants.append(variant)
            stock[variant.sku] = int(available or 0)
    crumbs = await breadcrumbs(session, product.category_id)
    if collections is None:
        collections = list(
            (
                await session.scalars(
                    select(Collection.slug)
                    .join(CollectionProduct, CollectionProduct.collection_id == Collection.id)
                    .where(CollectionProduct.product_id == product.id)
                    .order_by(Collection.slug)
                )
            ).all()
        )
    related: list[ProductSummary] = []
    if public:
        related = [
            ProductSummary.model_validate(card)
            for card in await _related_cards(session, product, currency)
        ]
    total = sum(max(0, stock.get(v.sku, 0)) for v in variants if v.is_active)
    return ProductRead(
        id=product.id,
        title=product.title,
        slug=product.slug,
        description=product.description,
        brand=product.brand,
        status=product.status,
        seo_title=product.seo_title or product.title,
        seo_description=product.seo_description,
        category=crumbs[-1] if crumbs else None,
        breadcrumbs=crumbs,
        tags=list(product.tags),
        attributes=dict(product.attributes),
        options=[OptionRead(name=o.name, values=list(o.values)) for o in product.options],
        variants=[
            VariantRead(
                id=v.id,
                sku=v.sku,
                barcode=v.barcode,
                title=v.title,
                options={k: str(val) for k, val in v.options.items()},
                price=_money(v.price, v.currency or currency),
                compare_at_price=(
                    _money(v.compare_at_price, v.currency or currency)
                    if v.compare_at_price
                    else None
                ),
                weight_grams=v.weight_grams,
                length_mm=v.length_mm,
                width_mm=v.width_mm,
                height_mm=v.height_mm,
                position=v.position,
                is_active=v.is_active,
                available=max(0, stock.get(v.sku, 0)),
                in_stock=stock.get(v.sku, 0) > 0,
                low_stock=0 < stock.get(v.sku, 0) <= low_stock_threshold,
            )
            for v in variants
        ],
        images=[
            ImageRead(url=i.url, alt=i.alt, position=i.position, width=i.width, height=i.height)
            for i in product.images
        ],
        collections=collections,
        price=_money(product.price_min, currency),
        price_max=_money(product.price_max, currency),
        in_stock=total > 0,
        available=total,
        related=related,
        version=product.version,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


async def category_tree(session: AsyncSession) -> list[CategoryNode]:
    """The whole tree; product_count includes active products of every descendant."""
    categories = (
        await session.scalars(select(Category).order_by(Category.position, Category.name))
    ).all()
    direct = dict(
        (
            await session.execute(
                select(Product.category_id, func.count())
                .where(Product.status == "active", Product.category_id.is_not(None))
                .group_by(Product.category_id)
            )
        ).all()
    )
    nodes = {
        c.id: CategoryNode(
            id=c.id,
            name=c.name,
            slug=c.slug,
            description=c.description,
            position=c.position,
            parent_id=c.parent_id,
            product_count=0,
            version=c.version,
        )
        for c in categories
    }
    for c in categories:
        count = int(direct.get(c.id, 0))
        for ancestor in c.path.strip("/").split("/"):
            node = nodes.get(uuid.UUID(ancestor))
            if node is not None:
                node.product_count += count
    roots: list[CategoryNode] = []
    for c in categories:
        node = nodes[c.id]
        parent = nodes.get(c.parent_id) if c.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


async def collection_page(
    session: AsyncSession, slug: str, currency: str, query: ProductQuery
) -> dict[str, Any]:
    """A collection with a page of its products (`schemas.CollectionRead`'s shape), JSON-ready."""
    collection = await service.get_collection_by_slug(session, slug)
    page = await list_products(
        session,
        ProductQuery(
            collection=slug,
            sort=query.sort,
            cursor=query.cursor,
            limit=query.limit,
            in_stock=query.in_stock,
        ),
        currency,
    )
    return {
        "id": str(collection.id),
        "title": collection.title,
        "slug": collection.slug,
        "description": collection.description,
        "version": collection.version,
        "products": page["items"],
        "next_cursor": page["next_cursor"],
    }
