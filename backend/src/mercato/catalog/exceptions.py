"""Catalog domain errors."""

from __future__ import annotations

from mercato.platform.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"
    title = "Product not found"


class CategoryNotFound(NotFound):
    code = "category_not_found"
    title = "Category not found"


class CollectionNotFound(NotFound):
    code = "collection_not_found"
    title = "Collection not found"


class VariantNotFound(NotFound):
    code = "variant_not_found"
    title = "Variant not found"


class SlugTaken(Conflict):
    code = "slug_taken"
    title = "Slug already in use"


class SkuTaken(Conflict):
    code = "sku_taken"
    title = "SKU already in use"
