"""Catalog tables: products, options, variants, categories (a tree), collections and images."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id

PRODUCT_STATUSES = ("draft", "active", "archived")


class Category(Base):
    """A node of the category tree. `path` is the materialised path of ids (`/a/b/c/`)."""

    __tablename__ = "catalog_category"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_category.id", ondelete="RESTRICT"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    path: Mapped[str] = mapped_column(String(2000), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Product(Base):
    __tablename__ = "catalog_product"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    brand: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    seo_title: Mapped[str] = mapped_column(String(300), default="")
    seo_description: Mapped[str] = mapped_column(String(500), default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_category.id", ondelete="SET NULL"), default=None
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Denormalised from the active variants, so sorting/filtering by price is one indexed column.
    price_min: Mapped[int] = mapped_column(default=0)
    price_max: Mapped[int] = mapped_column(default=0)
    # Plain text that search indexes (title, brand, tags, category, description without markup).
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product",
        order_by="Variant.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    options: Mapped[list[ProductOption]] = relationship(
        order_by="ProductOption.position", cascade="all, delete-orphan", passive_deletes=True
    )
    images: Mapped[list[ProductImage]] = relationship(
        order_by="ProductImage.position", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("status IN ('draft', 'active', 'archived')", name="status_valid"),
        Index("ix_catalog_product_status_created", "status", "created_at", "id"),
        Index("ix_catalog_product_status_price", "status", "price_min", "id"),
        Index("ix_catalog_product_status_title", "status", "title", "id"),
        # A category's newest products ("related", a category page) without sorting the category.
        Index("ix_catalog_product_category_newest", "category_id", "status", "created_at", "id"),
    )


class ProductOption(Base):
    """An option axis of a product (Size, Colour) with its values in display order."""

    __tablename__ = "catalog_product_option"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    values: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("product_id", "name"),)


class Variant(Base):
    __tablename__ = "catalog_variant"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(64), default=None)
    title: Mapped[str] = mapped_column(String(300), default="")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"Size": "M"}
    price: Mapped[int] = mapped_column()
    compare_at_price: Mapped[int | None] = mapped_column(default=None)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    weight_grams: Mapped[int] = mapped_column(default=0)
    length_mm: Mapped[int | None] = mapped_column(default=None)
    width_mm: Mapped[int | None] = mapped_column(default=None)
    height_mm: Mapped[int | None] = mapped_column(default=None)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship(back_populates="variants")

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint(
            "compare_at_price IS NULL OR compare_at_price >= 0", name="compare_at_not_negative"
        ),
        CheckConstraint("weight_grams >= 0", name="weight_not_negative"),
    )


# SKUs differing only by case are one SKU (migration 0011): the API's pattern keeps them ASCII, so
# lower() folds them alike on SQLite and PostgreSQL. Lookups by SKU stay exact (README, "Catalog").
Index("ux_catalog_variant_sku_lower", func.lower(Variant.sku), unique=True)


class VariantOptionValue(Base):
    """One row per (variant, option name, value): lets filters and facets stay in SQL."""

    __tablename__ = "catalog_variant_option"

    variant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_variant.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # lower-cased
    value: Mapped[str] = mapped_column(String(100))
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE")
    )

    __table_args__ = (Index("ix_catalog_variant_option_nv", "name", "value", "product_id"),)


class ProductImage(Base):
    __tablename__ = "catalog_product_image"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(String(1000))
    alt: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)

    # A product's images in order; its card's first image is the index's first entry.
    __table_args__ = (
        Index("ix_catalog_product_image_product_order", "product_id", "position", "id"),
    )


class Collection(Base):
    __tablename__ = "catalog_collection"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_catalog_collection_created", "created_at", "id"),)  # newest first


class CollectionProduct(Base):
    __tablename__ = "catalog_collection_product"

    collection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_collection.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)


class SearchTerm(Base):
    """Vocabulary of every indexed word: the typo-tolerance fallback corrects query words to it."""

    __tablename__ = "catalog_search_term"

    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    length: Mapped[int] = mapped_column(index=True)


class ProductCard(Base):
    """A product's card as lists, search results and "related products" show it, stored as the
    JSON the API sends (`cards.dump`), in the shop's currency: a read model kept in the writing
    transaction by `cards.CardKeeper` (ADR 0055). A missing card, or one in another currency,
    is computed from the catalog's rows instead."""

    __tablename__ = "catalog_product_card"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    doc: Mapped[str] = mapped_column(Text)
