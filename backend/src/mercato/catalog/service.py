"""Catalog business rules: products, variants, categories, collections, and reads for others.

Writes take an `expected_version` (from If-Match) and apply it as a compare-and-set
(`UPDATE ... SET version = version + 1 WHERE id = :id AND version = :expected`), so two admins
racing on the same product cannot both win. Denormalised columns (price range, search text,
option rows) are recomputed in the same transaction as every write.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection as CollectionT
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from mercato.catalog.exceptions import (
    CategoryNotFound,
    CollectionNotFound,
    ProductNotFound,
    SkuTaken,
    SlugTaken,
    VariantNotFound,
)
from mercato.catalog.models import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductImage,
    ProductOption,
    Variant,
    VariantOptionValue,
)
from mercato.catalog.schemas import (
    CategoryCreate,
    CategoryUpdate,
    CollectionCreate,
    CollectionUpdate,
    ImageInput,
    OptionInput,
    ProductCreate,
    ProductUpdate,
    VariantCreate,
    VariantUpdate,
)
from mercato.catalog.search import add_vocabulary, vocabulary_of
from mercato.catalog.text import html_to_text, sanitize_html, slugify
from mercato.inventory import service as inventory
from mercato.platform import card_marks
from mercato.platform.cache_tags import (
    CATEGORIES_TAG,
    LISTINGS_TAG,
    collection_tag,
    product_tag,
)
from mercato.platform.clock import utcnow
from mercato.platform.errors import Conflict, PreconditionFailed, ValidationFailed
from mercato.platform.ids import new_id
from mercato.platform.pagination import newest_first


@dataclass(frozen=True)
class PurchasableVariant:
    """What cart and checkout need to know about a SKU (prices are integer minor units)."""

    sku: str
    variant_id: uuid.UUID
    product_id: uuid.UUID
    product_title: str
    product_slug: str
    variant_title: str
    price: int
    currency: str
    weight_grams: int
    available: int
    purchasable: bool
    image_url: str | None


@dataclass(frozen=True)
class WriteResult:
    """A write's outcome plus the response-cache tags it makes stale (`product_tags`)."""

    product: Product | None
    tags: frozenset[str]


# ------------------------------------------------------------------ reads for other modules


def _purchasable_columns() -> tuple[Any, ...]:
    """What `PurchasableVariant` holds, per SKU, in `purchasable_from`'s order: the variant and
    its product's columns, the product's first image and the SKU's availability. Columns only,
    no ORM entities: cart and checkout read a few fields of each."""
    first_image = (
        select(ProductImage.url)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    return (
        Variant.sku,
        Variant.id,
        Product.id,
        Product.title,
        Product.slug,
        Variant.title,
        Variant.price,
        Variant.currency,
        Variant.weight_grams,
        inventory.available_sql(Variant.sku),
        (Product.status == "active") & Variant.is_active,  # see purchasable_sql
        first_image,
    )


@cache
def _purchasable_statement() -> Any:
    """Per SKU bound to `skus`, in one statement (built once: building it costs more than
    running it)."""
    return (
        select(*_purchasable_columns())
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.sku.in_(bindparam("skus", expanding=True)))
    )


def with_purchasable(statement: Select[Any], sku_column: Any) -> Select[Any]:
    """`statement` with the columns of each row's SKU (`sku_column`) appended, NULL for a SKU no
    variant has: for another module's one-statement read (a cart's lines and what they buy).
    Read them back with `purchasable_from` on the row's appended values."""
    return (
        statement.add_columns(*_purchasable_columns())
        .outerjoin(Variant, Variant.sku == sku_column)
        .outerjoin(Product, Product.id == Variant.product_id)
    )


def purchasable_from(values: Sequence[Any]) -> PurchasableVariant | None:
    """A `PurchasableVariant` of the values of `_purchasable_columns` (None for an unknown SKU)."""
    (sku, variant_id, product_id, title, slug, variant_title, price, currency) = values[:8]
    if variant_id is None:
        return None
    weight_grams, available, purchasable, image_url = values[8:12]
    return PurchasableVariant(
        sku=sku,
        variant_id=variant_id,
        product_id=product_id,
        product_title=title,
        product_slug=slug,
        variant_title=variant_title,
        price=price,
        currency=currency,
        weight_grams=weight_grams,
        available=max(0, int(available or 0)),
        purchasable=bool(purchasable),
        image_url=image_url,
    )


async def get_purchasable_variants(
    session: AsyncSession, skus: CollectionT[str]
) -> dict[str, PurchasableVariant]:
    """Variants by SKU with product data and availability; unknown SKUs are absent."""
    wanted = sorted({s for s in skus if s})
    if not wanted:
        return {}
    out: dict[str, PurchasableVariant] = {}
    for row in await session.execute(_purchasable_statement(), {"skus": wanted}):
        variant = purchasable_from(row)
        if variant is not None:
            out[variant.sku] = variant
    return out


def purchasable_sql(sku_column: Any) -> ColumnElement[bool]:
    """Whether the SKU in `sku_column` may be bought (NULL when unknown): the SQL twin of
    `PurchasableVariant.purchasable` above, for other modules' one-statement reads."""
    return (
        select((Product.status == "active") & Variant.is_active)
        .select_from(Variant)
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.sku == sku_column)
        .scalar_subquery()
    )


async def published_refs(session: AsyncSession, refs: CollectionT[str]) -> set[str]:
    """Which of `refs` name a published product: its slug, or the SKU of one of its active
    variants (exactly as stored, like every lookup by SKU). The wishlist's check
    (`accounts.hooks.install_wishlist_products`, wired in bootstrap)."""
    wanted = sorted({r for r in refs if r})
    if not wanted:
        return set()
    slugs = select(Product.slug).where(Product.status == "active", Product.slug.in_(wanted))
    skus = (
        select(Variant.sku)
        .join(Product, Product.id == Variant.product_id)
        .where(Product.status == "active", Variant.is_active, Variant.sku.in_(wanted))
    )
    found = set((await session.scalars(slugs)).all())
    return found | set((await session.scalars(skus)).all())


# ------------------------------------------------------------------ helpers


# Fields that only the product's own page shows: no list, filter, search or summary reads them.
DETAIL_ONLY_PRODUCT_FIELDS = frozenset({"seo_title", "seo_description", "attributes"})
DETAIL_ONLY_VARIANT_FIELDS = frozenset(
    {"barcode", "weight_grams", "length_mm", "width_mm", "height_mm", "position"}
)


def product_tags(*slugs: str, listings: bool = True, categories: bool = False) -> frozenset[str]:
    """What a write to one product makes stale in the public response cache (catalog.freshness):
    its page under every slug it had or has; `listings` (lists, search, collections and related
    products) unless only detail-page fields changed; `categories` when the count of active
    products per category may have moved. Other products' pages stay cached."""
    tags = {product_tag(slug) for slug in slugs}
    if listings:
        tags.add(LISTINGS_TAG)
    if categories:
        tags.add(CATEGORIES_TAG)
    return frozenset(tags)


def category_write_tags(changed: CollectionT[str] = ()) -> frozenset[str]:
    """What a category write makes stale: the tree always. A new category has no products yet and
    only an empty one can be deleted, so product pages and lists stay; a new name, slug or parent
    also changes every card and breadcrumb that names it (`listings`)."""
    if {"name", "slug", "parent_id"} & set(changed):
        return frozenset({CATEGORIES_TAG, LISTINGS_TAG})
    return frozenset({CATEGORIES_TAG})


def collection_write_tags(*slugs: str, listings: bool) -> frozenset[str]:
    """What a write to a collection makes stale: its page (under each slug it had or has). With
    `listings` (its members or slug changed: product pages name their collections' slugs and a
    `?collection=` list matches its members), every list and page too."""
    tags = {collection_tag(slug) for slug in slugs}
    if listings:
        tags.add(LISTINGS_TAG)
    return frozenset(tags)


async def _slug_free(
    session: AsyncSession, model: Any, slug: str, exclude: uuid.UUID | None = None
) -> bool:
    stmt = select(model.id).where(model.slug == slug)
    if exclude is not None:
        stmt = stmt.where(model.id != exclude)
    return (await session.execute(stmt.limit(1))).first() is None


async def _change_slug(session: AsyncSession, obj: Any, new_slug: str | None) -> None:
    """Set a new slug on a product, category or collection, refusing one already in use."""
    if not new_slug or new_slug == obj.slug:
        return
    if not await _slug_free(session, type(obj), new_slug, exclude=obj.id):
        raise SlugTaken(f"Slug {new_slug!r} is already in use.")
    obj.slug = new_slug


async def _unique_slug(session: AsyncSession, model: Any, base: str) -> str:
    slug = base
    n = 2
    while not await _slug_free(session, model, slug):
        slug = f"{base[:190]}-{n}"
        n += 1
    return slug


async def _compare_and_set(
    session: AsyncSession, model: Any, obj_id: uuid.UUID, expected: int | None, error: Any
) -> None:
    """Bump the version iff it still equals `expected` (None skips the check: internal use)."""
    stmt = update(model).where(model.id == obj_id)
    if expected is not None:
        stmt = stmt.where(model.version == expected)
    result: Any = await session.execute(
        stmt.values(version=model.version + 1, updated_at=utcnow()).execution_options(
            synchronize_session=False
        )
    )
    if result.rowcount == 1:
        return
    exists = (await session.execute(select(model.version).where(model.id == obj_id))).first()
    if exists is None:
        raise error()
    raise PreconditionFailed(
        "The resource was modified since you read it; reload and retry.",
        code="version_mismatch",
        extra={"current_version": int(exists[0])},
    )


def _normalise_options(
    declared: Sequence[OptionInput], variants: Sequence[dict[str, str]]
) -> list[tuple[str, list[str]]]:
    """Option axes with their values; derived from the variants when not declared."""
    axes: dict[str, list[str]] = {}
    for option in declared:
        if option.name in axes:
            raise ValidationFailed(f"Option {option.name!r} is declared twice.", code="bad_option")
        axes[option.name] = list(dict.fromkeys(option.values))
    for values in variants:
        for name, value in values.items():
            if declared and name not in axes:
                raise ValidationFailed(
                    f"Variant option {name!r} is not one of the product's options.",
                    code="bad_option",
                )
            axis = axes.setdefault(name, [])
            if value not in axis:
                axis.append(value)
    names = list(axes)
    by_case: dict[str, str] = {}
    for name in names:  # the variants' option rows are keyed by the lower-cased name
        other = by_case.setdefault(name.lower(), name)
        if other != name:
            raise ValidationFailed(
                f"Options {other!r} and {name!r} differ only by case: use one name.",
                code="bad_option",
            )
    for values in variants:
        if values and set(values) != set(names):
            raise ValidationFailed(
                "Every variant must give a value for each option: " + ", ".join(names),
                code="bad_option",
            )
    seen: set[tuple[str, ...]] = set()
    for values in variants:
        key = tuple(values.get(n, "") for n in names)
        if values and key in seen:
            raise ValidationFailed(
                "Two variants have the same option values: " + " / ".join(key),
                code="duplicate_variant",
            )
        seen.add(key)
    return list(axes.items())


def _variant_title(options: dict[str, str], order: Sequence[str]) -> str:
    values = [options[n] for n in order if n in options]
    return " / ".join(values) if values else "Default"


async def _check_skus_free(
    session: AsyncSession, skus: Sequence[str], exclude_product: uuid.UUID | None = None
) -> None:
    """SKUs are unique ignoring case (`ABC-1` and `abc-1` are one SKU; the unique index on
    lower(sku) holds it under races): twice in the request is 422 `duplicate_sku`, in use by
    another variant 409 `sku_taken` naming the SKUs as stored. Lookups by SKU stay exact."""
    folded = {sku.lower() for sku in skus}
    if len(folded) != len(skus):
        raise ValidationFailed("SKUs must be unique (case does not count).", code="duplicate_sku")
    stmt = select(Variant.sku).where(func.lower(Variant.sku).in_(sorted(folded)))
    if exclude_product is not None:
        stmt = stmt.where(Variant.product_id != exclude_product)
    taken = list((await session.scalars(stmt)).all())
    if taken:
        raise SkuTaken(f"SKU already in use: {', '.join(sorted(taken))}", extra={"skus": taken})


async def _category_exists(session: AsyncSession, category_id: uuid.UUID | None) -> None:
    if category_id is None:
        return
    if await session.get(Category, category_id) is None:
        raise ValidationFailed("Unknown category.", code="unknown_category")


async def _collection_ids(session: AsyncSession, slugs: Sequence[str]) -> list[uuid.UUID]:
    if not slugs:
        return []
    found = dict(
        (
            await session.execute(
                select(Collection.slug, Collection.id).where(Collection.slug.in_(list(slugs)))
            )
        ).all()
    )
    missing = [s for s in slugs if s not in found]
    if missing:
        raise ValidationFailed(
            "Unknown collection: " + ", ".join(missing), code="unknown_collection"
        )
    return [found[s] for s in dict.fromkeys(slugs)]


async def _category_names(session: AsyncSession, category_id: uuid.UUID | None) -> list[str]:
    if category_id is None:
        return []
    category = await session.get(Category, category_id)
    if category is None:
        return []
    ids = [uuid.UUID(p) for p in category.path.strip("/").split("/") if p]
    rows = await session.execute(select(Category.id, Category.name).where(Category.id.in_(ids)))
    names = dict(rows.all())
    return [names[i] for i in ids if i in names]


async def refresh_derived(session: AsyncSession, product_id: uuid.UUID) -> Product:
    """Recompute price range, variant titles, option rows and search text of one product."""
    product = (
        await session.scalars(
            select(Product)
            .where(Product.id == product_id)
            .options(selectinload(Product.variants), selectinload(Product.options))
            .execution_options(populate_existing=True)
        )
    ).one()
    order = [o.name for o in product.options]
    active = [v for v in product.variants if v.is_active] or list(product.variants)
    product.price_min = min((v.price for v in active), default=0)
    product.price_max = max((v.price for v in active), default=0)
    await session.execute(
        delete(VariantOptionValue).where(VariantOptionValue.product_id == product.id)
    )
    option_rows: list[dict[str, Any]] = []
    for variant in product.variants:
        variant.title = _variant_title(variant.options, order)
        option_rows.extend(
            {
                "variant_id": variant.id,
                "name": name.lower(),
                "value": str(value),
                "product_id": product.id,
            }
            for name, value in variant.options.items()
        )
    if option_rows:
        await session.execute(insert(VariantOptionValue), option_rows)
    categories = await _category_names(session, product.category_id)
    product.search_text = build_search_text(
        product.title, product.brand, product.tags, categories, product.description
    )
    await add_vocabulary(session, vocabulary_of(product.search_text))
    await session.flush()
    card_marks.products_changed(session, [product.id])  # stored again before the commit
    return product


def build_search_text(
    title: str, brand: str, tags: Sequence[str], categories: Sequence[str], description: str
) -> str:
    return " ".join(
        [title, brand, " ".join(tags), " ".join(categories), html_to_text(description)]
    )[:20_000]


def _apply_variant_fields(variant: Variant, data: VariantCreate | VariantUpdate) -> None:
    fields = data.model_dump(exclude_unset=True, exclude={"sku", "stock", "options"})
    for name, value in fields.items():
        if name == "position" and value is None:
            continue
        setattr(variant, name, value)
    if data.options is not None:
        variant.options = dict(data.options)
    if variant.compare_at_price is not None and variant.compare_at_price <= variant.price:
        variant.compare_at_price = None  # a "was" price lower than the price is meaningless


# ------------------------------------------------------------------ products


def ensure_shop_currency(data: VariantCreate | VariantUpdate, currency: str) -> None:
    """Prices sent as Money objects must be in the shop's currency (no conversion here)."""
    other = data.price_currencies - {currency}
    if other:
        raise ValidationFailed(
            f"Prices must be in the shop currency {currency}, not {', '.join(sorted(other))}.",
            code="currency_mismatch",
            extra={"currency": currency},
        )


async def create_product(
    session: AsyncSession,
    data: ProductCreate,
    *,
    currency: str,
    actor: str | None = None,
) -> Product:
    for variant_data in data.variants:
        ensure_shop_currency(variant_data, currency)
    slug = data.slug or await _unique_slug(session, Product, slugify(data.title))
    if data.slug and not await _slug_free(session, Product, slug):
        raise SlugTaken(f"Slug {slug!r} is already in use.", extra={"slug": slug})
    await _check_skus_free(session, [v.sku for v in data.variants])
    await _category_exists(session, data.category_id)
    collection_ids = await _collection_ids(session, data.collections)
    axes = _normalise_options(data.options, [v.options for v in data.variants])
    now = utcnow()
    product = Product(
        id=new_id(),
        title=data.title,
        slug=slug,
        description=sanitize_html(data.description),
        brand=data.brand,
        status=data.status,
        seo_title=data.seo_title,
        seo_description=data.seo_description,
        category_id=data.category_id,
        tags=list(dict.fromkeys(data.tags)),
        attributes=dict(data.attributes),
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(product)
    await session.flush()  # link rows below have no ORM relationship to order them after it
    for position, (name, values) in enumerate(axes):
        session.add(
            ProductOption(
                id=new_id(), product_id=product.id, name=name, position=position, values=values
            )
        )
    for position, item in enumerate(data.variants):
        variant = Variant(
            id=new_id(),
            product_id=product.id,
            sku=item.sku,
            currency=currency,
            position=position,
            created_at=now,
            updated_at=now,
        )
        _apply_variant_fields(variant, item)
        session.add(variant)
    for position, image in enumerate(data.images):
        session.add(
            ProductImage(
                id=new_id(),
                product_id=product.id,
                url=image.url,
                alt=image.alt,
                position=position,
                width=image.width,
                height=image.height,
            )
        )
    for position, collection_id in enumerate(collection_ids):
        session.add(
            CollectionProduct(collection_id=collection_id, product_id=product.id, position=position)
        )
    await session.flush()
    for item in data.variants:
        if item.stock is not None:
            await inventory.set_on_hand(
                session, item.sku, item.stock, reason="initial stock", actor=actor, kind="import"
            )
    return await refresh_derived(session, product.id)


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> Product:
    product = (
        await session.scalars(
            select(Product)
            .where(Product.id == product_id)
            .options(
                selectinload(Product.variants),
                selectinload(Product.options),
                selectinload(Product.images),
            )
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if product is None:
        raise ProductNotFound()
    return product


async def update_product(
    session: AsyncSession,
    product_id: uuid.UUID,
    data: ProductUpdate,
    *,
    expected_version: int | None,
) -> WriteResult:
    before = await session.get(Product, product_id)
    if before is None:
        raise ProductNotFound()
    old_slug = before.slug
    await _compare_and_set(session, Product, product_id, expected_version, ProductNotFound)
    product = await get_product(session, product_id)
    fields = data.model_dump(exclude_unset=True)
    await _change_slug(session, product, fields.get("slug"))
    for name in ("title", "brand", "status", "seo_title", "seo_description"):
        if fields.get(name) is not None:
            setattr(product, name, fields[name])
    if fields.get("description") is not None:
        product.description = sanitize_html(fields["description"])
    if "category_id" in fields:
        await _category_exists(session, data.category_id)
        product.category_id = data.category_id
    if data.tags is not None:
        product.tags = list(dict.fromkeys(data.tags))
    if data.attributes is not None:
        product.attributes = dict(data.attributes)
    if data.options is not None:
        axes = _normalise_options(data.options, [v.options for v in product.variants])
        product.options.clear()
        await session.flush()
        for position, (name, values) in enumerate(axes):
            product.options.append(
                ProductOption(
                    id=new_id(),
                    product_id=product.id,
                    name=name,
                    position=position,
                    values=values,
                )
            )
    if data.images is not None:
        await _replace_images(session, product, data.images)
    if data.collections is not None:
        ids = await _collection_ids(session, data.collections)
        await session.execute(
            delete(CollectionProduct).where(CollectionProduct.product_id == product.id)
        )
        for position, collection_id in enumerate(ids):
            session.add(
                CollectionProduct(
                    collection_id=collection_id, product_id=product.id, position=position
                )
            )
    await session.flush()
    refreshed = await refresh_derived(session, product.id)
    tags = product_tags(
        old_slug,
        refreshed.slug,
        listings=bool(fields.keys() - DETAIL_ONLY_PRODUCT_FIELDS),
        categories="status" in fields or "category_id" in fields,
    )
    return WriteResult(refreshed, tags)


async def _replace_images(
    session: AsyncSession, product: Product, images: Sequence[ImageInput]
) -> None:
    """The product's images, in order; one given without a size keeps the size the product's
    image at its URL had (measured when it was uploaded)."""
    sizes = {
        url: (width, height)
        for url, width, height in (
            await session.execute(
                select(ProductImage.url, ProductImage.width, ProductImage.height).where(
                    ProductImage.product_id == product.id
                )
            )
        ).all()
    }
    await session.execute(delete(ProductImage).where(ProductImage.product_id == product.id))
    for position, image in enumerate(images):
        width, height = (
            (image.width, image.height)
            if image.width is not None or image.height is not None
            else sizes.get(image.url, (None, None))
        )
        session.add(
            ProductImage(
                id=new_id(),
                product_id=product.id,
                url=image.url,
                alt=image.alt,
                position=position,
                width=width,
                height=height,
            )
        )


async def add_image(
    session: AsyncSession, product_id: uuid.UUID, url: str, alt: str
) -> WriteResult:
    product = await get_product(session, product_id)
    await _compare_and_set(session, Product, product_id, None, ProductNotFound)
    position = max((i.position for i in product.images), default=-1) + 1
    session.add(
        ProductImage(id=new_id(), product_id=product_id, url=url, alt=alt, position=position)
    )
    await session.flush()
    card_marks.products_changed(session, [product_id])  # a first image is the card's
    return WriteResult(await get_product(session, product_id), product_tags(product.slug))


async def delete_product(
    session: AsyncSession, product_id: uuid.UUID, *, expected_version: int | None
) -> WriteResult:
    product = await session.get(Product, product_id)
    if product is None:
        raise ProductNotFound()
    slug = product.slug
    await _compare_and_set(session, Product, product_id, expected_version, ProductNotFound)
    await session.execute(delete(Product).where(Product.id == product_id))
    return WriteResult(None, product_tags(slug, categories=True))


async def add_variant(
    session: AsyncSession,
    product_id: uuid.UUID,
    data: VariantCreate,
    *,
    currency: str,
    expected_version: int | None,
    actor: str | None = None,
) -> WriteResult:
    ensure_shop_currency(data, currency)
    await _compare_and_set(session, Product, product_id, expected_version, ProductNotFound)
    product = await get_product(session, product_id)
    await _check_skus_free(session, [data.sku])
    variant = Variant(
        id=new_id(),
        product_id=product_id,
        sku=data.sku,
        currency=currency,
        position=len(product.variants),
    )
    _apply_variant_fields(variant, data)
    _ensure_variant_options(product, [*(v.options for v in product.variants), variant.options])
    session.add(variant)
    await session.flush()
    if data.stock is not None:
        await inventory.set_on_hand(
            session, data.sku, data.stock, reason="initial stock", actor=actor, kind="import"
        )
    refreshed = await refresh_derived(session, product_id)
    return WriteResult(refreshed, product_tags(refreshed.slug))


def _ensure_variant_options(product: Product, all_options: list[dict[str, Any]]) -> None:
    declared = [OptionInput(name=o.name, values=list(o.values)) for o in product.options]
    axes = _normalise_options([], all_options) if not declared else None
    if declared:
        # Extend the declared axes with new values but insist on the same option names.
        names = {o.name for o in declared}
        for options in all_options:
            if options and set(options) != names:
                raise ValidationFailed(
                    "Every variant must give a value for each option: " + ", ".join(sorted(names)),
                    code="bad_option",
                )
        _normalise_options([], all_options)  # duplicate check
        for option in product.options:
            for options in all_options:
                value = options.get(option.name)
                if value is not None and value not in option.values:
                    option.values = [*option.values, value]
    elif axes:
        for position, (name, values) in enumerate(axes):
            product.options.append(
                ProductOption(
                    id=new_id(), product_id=product.id, name=name, position=position, values=values
                )
            )


async def update_variant(
    session: AsyncSession,
    variant_id: uuid.UUID,
    data: VariantUpdate,
    *,
    expected_version: int | None,
) -> WriteResult:
    variant = await session.get(Variant, variant_id)
    if variant is None:
        raise VariantNotFound()
    product_id = variant.product_id
    await _compare_and_set(session, Product, product_id, expected_version, ProductNotFound)
    product = await get_product(session, product_id)
    variant = next(v for v in product.variants if v.id == variant_id)
    _apply_variant_fields(variant, data)
    if data.options is not None:
        _ensure_variant_options(product, [v.options for v in product.variants])
    await session.flush()
    refreshed = await refresh_derived(session, product_id)
    changed = data.model_dump(exclude_unset=True).keys()
    listings = bool(changed - DETAIL_ONLY_VARIANT_FIELDS)
    return WriteResult(refreshed, product_tags(refreshed.slug, listings=listings))


async def delete_variant(
    session: AsyncSession, variant_id: uuid.UUID, *, expected_version: int | None
) -> WriteResult:
    variant = await session.get(Variant, variant_id)
    if variant is None:
        raise VariantNotFound()
    product_id = variant.product_id
    await _compare_and_set(session, Product, product_id, expected_version, ProductNotFound)
    count = await session.scalar(
        select(func.count()).select_from(Variant).where(Variant.product_id == product_id)
    )
    if (count or 0) <= 1:
        raise Conflict("A product needs at least one variant.", code="last_variant")
    await session.execute(delete(Variant).where(Variant.id == variant_id))
    refreshed = await refresh_derived(session, product_id)
    return WriteResult(refreshed, product_tags(refreshed.slug))


# ------------------------------------------------------------------ categories


async def create_category(session: AsyncSession, data: CategoryCreate) -> Category:
    slug = data.slug or await _unique_slug(session, Category, slugify(data.name))
    if not await _slug_free(session, Category, slug):
        raise SlugTaken(f"Slug {slug!r} is already in use.")
    parent_path = "/"
    if data.parent_id is not None:
        parent = await session.get(Category, data.parent_id)
        if parent is None:
            raise ValidationFailed("Unknown parent category.", code="unknown_category")
        parent_path = parent.path
    category = Category(
        id=new_id(),
        parent_id=data.parent_id,
        name=data.name,
        slug=slug,
        description=data.description,
        position=data.position,
        version=1,
    )
    category.path = f"{parent_path}{category.id}/"
    session.add(category)
    await session.flush()
    return category


async def update_category(
    session: AsyncSession,
    category_id: uuid.UUID,
    data: CategoryUpdate,
    *,
    expected_version: int | None,
) -> Category:
    await _compare_and_set(session, Category, category_id, expected_version, CategoryNotFound)
    category = await session.get(Category, category_id, populate_existing=True)
    assert category is not None
    fields = data.model_dump(exclude_unset=True)
    await _change_slug(session, category, fields.get("slug"))
    for name in ("name", "description", "position"):
        if fields.get(name) is not None:
            setattr(category, name, fields[name])
    if "parent_id" in fields and data.parent_id != category.parent_id:
        await _move_category(session, category, data.parent_id)
    await session.flush()
    await _refresh_products_in(session, category.path)
    card_marks.categories_changed(session, [category.id])  # its name and slug are on cards
    return category


async def _move_category(
    session: AsyncSession, category: Category, parent_id: uuid.UUID | None
) -> None:
    new_parent_path = "/"
    if parent_id is not None:
        parent = await session.get(Category, parent_id)
        if parent is None:
            raise ValidationFailed("Unknown parent category.", code="unknown_category")
        if parent.path.startswith(category.path):
            raise ValidationFailed("A category cannot move under itself.", code="category_cycle")
        new_parent_path = parent.path
    old_path = category.path
    new_path = f"{new_parent_path}{category.id}/"
    descendants = await session.scalars(select(Category).where(Category.path.startswith(old_path)))
    for node in descendants:
        node.path = new_path + node.path[len(old_path) :]
    category.parent_id = parent_id
    category.path = new_path


SEARCH_TEXT_BATCH = 500  # products per statement when a category's names change


async def _refresh_products_in(session: AsyncSession, path: str) -> None:
    """Category names are part of the search text of the products below them: every one's is
    written again, a batch of products per statement (nothing else of theirs depends on it)."""
    await session.flush()
    ids = select(Category.id).where(Category.path.startswith(path))
    columns = select(
        Product.id,
        Product.title,
        Product.brand,
        Product.tags,
        Product.description,
        Product.category_id,
    ).where(Product.category_id.in_(ids))
    table = cast(Table, Product.__table__)
    write = (
        update(table)
        .where(table.c.id == bindparam("product_id"))
        .values(search_text=bindparam("text"))
    )
    names: dict[uuid.UUID | None, list[str]] = {}
    after: uuid.UUID | None = None
    while True:
        page = columns.order_by(Product.id).limit(SEARCH_TEXT_BATCH)
        if after is not None:
            page = page.where(Product.id > after)
        rows = (await session.execute(page)).all()
        if not rows:
            return
        texts: dict[uuid.UUID, str] = {}
        for product_id, title, brand, tags, description, category_id in rows:
            if category_id not in names:
                names[category_id] = await _category_names(session, category_id)
            texts[product_id] = build_search_text(
                title, brand, tags, names[category_id], description
            )
        await session.execute(write, [{"product_id": k, "text": v} for k, v in texts.items()])
        await add_vocabulary(session, set().union(*map(vocabulary_of, texts.values())))
        after = rows[-1][0]


async def delete_category(
    session: AsyncSession, category_id: uuid.UUID, *, expected_version: int | None
) -> None:
    await _compare_and_set(session, Category, category_id, expected_version, CategoryNotFound)
    has_children = await session.scalar(
        select(func.count()).select_from(Category).where(Category.parent_id == category_id)
    )
    if has_children:
        raise Conflict("Move or delete the sub-categories first.", code="category_not_empty")
    in_it = select(Product.id).where(Product.category_id == category_id)
    card_marks.products_changed(session, await session.scalars(in_it))
    await session.execute(
        update(Product).where(Product.category_id == category_id).values(category_id=None)
    )
    await session.execute(delete(Category).where(Category.id == category_id))


# ------------------------------------------------------------------ collections


async def _set_collection_products(
    session: AsyncSession, collection_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> None:
    unique = list(dict.fromkeys(product_ids))
    if unique:
        found = set((await session.scalars(select(Product.id).where(Product.id.in_(unique)))).all())
        missing = [str(p) for p in unique if p not in found]
        if missing:
            raise ValidationFailed("Unknown product: " + ", ".join(missing), code="unknown_product")
    await session.execute(
        delete(CollectionProduct).where(CollectionProduct.collection_id == collection_id)
    )
    for position, product_id in enumerate(unique):
        session.add(
            CollectionProduct(collection_id=collection_id, product_id=product_id, position=position)
        )
    await session.flush()


async def create_collection(session: AsyncSession, data: CollectionCreate) -> Collection:
    slug = data.slug or await _unique_slug(session, Collection, slugify(data.title))
    if not await _slug_free(session, Collection, slug):
        raise SlugTaken(f"Slug {slug!r} is already in use.")
    collection = Collection(
        id=new_id(), title=data.title, slug=slug, description=data.description, version=1
    )
    session.add(collection)
    await session.flush()
    await _set_collection_products(session, collection.id, data.product_ids)
    return collection


async def update_collection(
    session: AsyncSession,
    collection_id: uuid.UUID,
    data: CollectionUpdate,
    *,
    expected_version: int | None,
) -> Collection:
    await _compare_and_set(session, Collection, collection_id, expected_version, CollectionNotFound)
    collection = await session.get(Collection, collection_id, populate_existing=True)
    assert collection is not None
    fields = data.model_dump(exclude_unset=True)
    await _change_slug(session, collection, fields.get("slug"))
    for name in ("title", "description"):
        if fields.get(name) is not None:
            setattr(collection, name, fields[name])
    if data.product_ids is not None:
        await _set_collection_products(session, collection_id, data.product_ids)
    await session.flush()
    return collection


async def delete_collection(
    session: AsyncSession, collection_id: uuid.UUID, *, expected_version: int | None
) -> None:
    await _compare_and_set(session, Collection, collection_id, expected_version, CollectionNotFound)
    await session.execute(delete(Collection).where(Collection.id == collection_id))


async def get_collection_by_slug(session: AsyncSession, slug: str) -> Collection:
    collection = (
        await session.scalars(select(Collection).where(Collection.slug == slug))
    ).one_or_none()
    if collection is None:
        raise CollectionNotFound()
    return collection


async def list_collections(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Collection], str | None]:
    """Every collection, newest first (keyset-paginated)."""
    return await newest_first(
        session,
        select(Collection),
        Collection.created_at,
        Collection.id,
        limit=limit,
        cursor=cursor,
    )
