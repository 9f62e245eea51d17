"""Read models for the public API: product pages, detail, category tree, collections."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.catalog import service
from mercato.catalog.models import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductImage,
    Variant,
)
from mercato.catalog.repository import ProductQuery, ProductRepository
from mercato.catalog.schemas import (
    CategoryNode,
    CategoryRef,
    CollectionRead,
    Facets,
    ImageRead,
    Money,
    OptionRead,
    ProductPage,
    ProductRead,
    ProductSummary,
    VariantRead,
)
from mercato.inventory import service as inventory

RELATED_LIMIT = 4


def _money(amount: int, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


async def _categories(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, CategoryRef]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Category.id, Category.name, Category.slug).where(Category.id.in_(ids))
    )
    return {r.id: CategoryRef(id=r.id, name=r.name, slug=r.slug) for r in rows}


async def summaries(
    session: AsyncSession, products: Sequence[Product], currency: str
) -> list[ProductSummary]:
    """Cards for a list of products: first image, price range, stock and category, batched."""
    if not products:
        return []
    ids = [p.id for p in products]
    images: dict[uuid.UUID, ImageRead] = {}
    for image in await session.scalars(
        select(ProductImage)
        .where(ProductImage.product_id.in_(ids))
        .order_by(ProductImage.product_id, ProductImage.position.desc())
    ):
        images[image.product_id] = ImageRead(
            url=image.url,
            alt=image.alt,
            position=image.position,
            width=image.width,
            height=image.height,
        )
    variant_rows = (
        await session.execute(
            select(Variant.product_id, Variant.sku, Variant.price, Variant.compare_at_price).where(
                Variant.product_id.in_(ids), Variant.is_active.is_(True)
            )
        )
    ).all()
    stock = await inventory.available(session, [r.sku for r in variant_rows])
    in_stock: dict[uuid.UUID, bool] = {}
    compare_at: dict[uuid.UUID, int] = {}
    for row in variant_rows:
        if stock.get(row.sku, 0) > 0:
            in_stock[row.product_id] = True
        if row.compare_at_price and row.compare_at_price > row.price:
            compare_at[row.product_id] = max(
                compare_at.get(row.product_id, 0), row.compare_at_price
            )
    categories = await _categories(session, {p.category_id for p in products if p.category_id})
    return [
        ProductSummary(
            id=p.id,
            title=p.title,
            slug=p.slug,
            brand=p.brand,
            price=_money(p.price_min, currency),
            price_max=_money(p.price_max, currency),
            compare_at_price=_money(compare_at[p.id], currency) if p.id in compare_at else None,
            image=images.get(p.id),
            in_stock=in_stock.get(p.id, False),
            category=categories.get(p.category_id) if p.category_id else None,
            created_at=p.created_at,
        )
        for p in products
    ]


async def list_products(session: AsyncSession, query: ProductQuery, currency: str) -> ProductPage:
    result = await ProductRepository(session).list(query)
    return ProductPage(
        items=await summaries(session, result.products, currency),
        next_cursor=result.next_cursor,
        facets=Facets.model_validate(result.facets) if result.facets is not None else None,
        corrected_query=result.corrected_query,
    )


async def breadcrumbs(session: AsyncSession, category_id: uuid.UUID | None) -> list[CategoryRef]:
    if category_id is None:
        return []
    path = await session.scalar(select(Category.path).where(Category.id == category_id))
    if path is None:
        return []
    ids = [uuid.UUID(p) for p in path.strip("/").split("/") if p]
    refs = await _categories(session, set(ids))
    return [refs[i] for i in ids if i in refs]


async def product_detail(
    session: AsyncSession,
    slug: str,
    currency: str,
    *,
    public: bool = True,
    low_stock_threshold: int = 5,
) -> ProductRead:
    product = await service.get_product_by_slug(session, slug, public=public)
    return await product_read(
        session, product, currency, public=public, low_stock_threshold=low_stock_threshold
    )


async def product_read(
    session: AsyncSession,
    product: Product,
    currency: str,
    *,
    public: bool = True,
    low_stock_threshold: int = 5,
) -> ProductRead:
    variants = [v for v in product.variants if v.is_active or not public]
    stock = await inventory.available(session, [v.sku for v in variants])
    crumbs = await breadcrumbs(session, product.category_id)
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
        related_stmt = select(Product).where(Product.status == "active", Product.id != product.id)
        if product.category_id is not None:
            related_stmt = related_stmt.where(Product.category_id == product.category_id)
        elif product.brand:
            related_stmt = related_stmt.where(Product.brand == product.brand)
        related_products = (
            await session.scalars(
                related_stmt.order_by(Product.created_at.desc(), Product.id).limit(RELATED_LIMIT)
            )
        ).all()
        related = await summaries(session, related_products, currency)
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
) -> CollectionRead:
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
    return CollectionRead(
        id=collection.id,
        title=collection.title,
        slug=collection.slug,
        description=collection.description,
        version=collection.version,
        products=page.items,
        next_cursor=page.next_cursor,
    )
