"""Catalog request and response shapes (inputs forbid unknown fields)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from mercato.catalog.text import SLUG_PATTERN

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=200)]
Sku = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", strip_whitespace=True)
]
Status = Literal["draft", "active", "archived"]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
OptionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
AttributeValue = str | int | float | bool


class Money(BaseModel):
    amount: int
    currency: str


# ------------------------------------------------------------------ inputs


def _reject_nul(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key)
            _reject_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_nul(item)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _reject_nul(data)  # PostgreSQL cannot store NUL in text: refuse it as bad input
        return data


class OptionInput(_Input):
    name: OptionText
    values: list[OptionText] = Field(min_length=1, max_length=100)


class VariantCreate(_Input):
    sku: Sku
    barcode: Annotated[str, StringConstraints(max_length=64)] | None = None
    options: dict[OptionText, OptionText] = Field(default_factory=dict, max_length=5)
    price: int = Field(ge=0, le=100_000_000)
    compare_at_price: int | None = Field(default=None, ge=0, le=100_000_000)
    weight_grams: int = Field(default=0, ge=0, le=10_000_000)
    length_mm: int | None = Field(default=None, ge=0, le=100_000)
    width_mm: int | None = Field(default=None, ge=0, le=100_000)
    height_mm: int | None = Field(default=None, ge=0, le=100_000)
    position: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool = True
    stock: int | None = Field(default=None, ge=0, le=1_000_000, description="initial on hand")


class VariantUpdate(_Input):
    barcode: Annotated[str, StringConstraints(max_length=64)] | None = None
    options: dict[OptionText, OptionText] | None = None
    price: int | None = Field(default=None, ge=0, le=100_000_000)
    compare_at_price: int | None = Field(default=None, ge=0, le=100_000_000)
    weight_grams: int | None = Field(default=None, ge=0, le=10_000_000)
    length_mm: int | None = Field(default=None, ge=0, le=100_000)
    width_mm: int | None = Field(default=None, ge=0, le=100_000)
    height_mm: int | None = Field(default=None, ge=0, le=100_000)
    position: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool | None = None


class ImageInput(_Input):
    url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^(https://|/media/)\S+$")]
    alt: ShortText = ""


class ProductCreate(_Input):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    slug: Slug | None = None
    description: Annotated[str, StringConstraints(max_length=50_000)] = ""
    brand: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    status: Status = "draft"
    seo_title: ShortText = ""
    seo_description: Annotated[str, StringConstraints(max_length=500)] = ""
    category_id: uuid.UUID | None = None
    tags: list[OptionText] = Field(default_factory=list, max_length=50)
    attributes: dict[OptionText, AttributeValue] = Field(default_factory=dict, max_length=50)
    options: list[OptionInput] = Field(default_factory=list, max_length=5)
    variants: list[VariantCreate] = Field(min_length=1, max_length=250)
    images: list[ImageInput] = Field(default_factory=list, max_length=50)
    collections: list[Slug] = Field(default_factory=list, max_length=50)


class ProductUpdate(_Input):
    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
        | None
    ) = None
    slug: Slug | None = None
    description: Annotated[str, StringConstraints(max_length=50_000)] | None = None
    brand: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    status: Status | None = None
    seo_title: ShortText | None = None
    seo_description: Annotated[str, StringConstraints(max_length=500)] | None = None
    category_id: uuid.UUID | None = None
    tags: list[OptionText] | None = Field(default=None, max_length=50)
    attributes: dict[OptionText, AttributeValue] | None = Field(default=None, max_length=50)
    options: list[OptionInput] | None = Field(default=None, max_length=5)
    images: list[ImageInput] | None = Field(default=None, max_length=50)
    collections: list[Slug] | None = Field(default=None, max_length=50)


class CategoryCreate(_Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    slug: Slug | None = None
    parent_id: uuid.UUID | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    position: int = Field(default=0, ge=0, le=10_000)


class CategoryUpdate(_Input):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    slug: Slug | None = None
    parent_id: uuid.UUID | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class CollectionCreate(_Input):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    slug: Slug | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    product_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)


class CollectionUpdate(_Input):
    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    slug: Slug | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    product_ids: list[uuid.UUID] | None = Field(default=None, max_length=1000)


# ------------------------------------------------------------------ outputs


class ImageRead(BaseModel):
    url: str
    alt: str
    position: int
    width: int | None = None
    height: int | None = None


class OptionRead(BaseModel):
    name: str
    values: list[str]


class VariantRead(BaseModel):
    id: uuid.UUID
    sku: str
    barcode: str | None
    title: str
    options: dict[str, str]
    price: Money
    compare_at_price: Money | None
    weight_grams: int
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    position: int
    is_active: bool
    available: int
    in_stock: bool
    low_stock: bool = False  # 1..MERCATO_CATALOG__LOW_STOCK_THRESHOLD left ("only 2 left")


class CategoryRef(BaseModel):
    id: uuid.UUID
    name: str
    slug: str


class ProductSummary(BaseModel):
    id: uuid.UUID
    title: str
    slug: str
    brand: str
    price: Money
    price_max: Money
    compare_at_price: Money | None
    image: ImageRead | None
    in_stock: bool
    category: CategoryRef | None
    created_at: datetime


class ProductRead(BaseModel):
    id: uuid.UUID
    title: str
    slug: str
    description: str
    brand: str
    status: Status
    seo_title: str
    seo_description: str
    category: CategoryRef | None
    breadcrumbs: list[CategoryRef]
    tags: list[str]
    attributes: dict[str, Any]
    options: list[OptionRead]
    variants: list[VariantRead]
    images: list[ImageRead]
    collections: list[str]
    price: Money
    price_max: Money
    in_stock: bool
    available: int
    related: list[ProductSummary] = Field(default_factory=list)
    version: int
    created_at: datetime
    updated_at: datetime


class FacetValue(BaseModel):
    value: str
    label: str
    count: int


class Facets(BaseModel):
    categories: list[FacetValue]
    options: dict[str, list[FacetValue]]
    price: list[FacetValue]


class ProductPage(BaseModel):
    items: list[ProductSummary]
    next_cursor: str | None
    facets: Facets | None = None
    corrected_query: str | None = None


class CategoryList(BaseModel):
    """The category tree's roots (a small bounded list: `next_cursor` is always null)."""

    items: list[CategoryNode]
    next_cursor: str | None


class CategoryNode(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    description: str
    position: int
    parent_id: uuid.UUID | None
    product_count: int
    version: int
    children: list[CategoryNode] = Field(default_factory=list)


class CollectionRead(BaseModel):
    id: uuid.UUID
    title: str
    slug: str
    description: str
    version: int
    products: list[ProductSummary]
    next_cursor: str | None = None


class ImportRowError(BaseModel):
    row: int
    field: str | None
    message: str


class ImportReport(BaseModel):
    total_rows: int
    created: int
    updated: int
    skipped: int
    errors: list[ImportRowError]
    written: bool

    @field_validator("errors")
    @classmethod
    def _cap(cls, value: list[ImportRowError]) -> list[ImportRowError]:
        return value[:1000]
