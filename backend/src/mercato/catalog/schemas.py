"""Catalog request and response shapes (inputs forbid unknown fields)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from mercato.catalog.text import SLUG_PATTERN
from mercato.content.schemas import ProductEditorialRead
from mercato.platform.strict import StrictInput

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


class _Input(StrictInput):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _reject_nul(data)  # PostgreSQL cannot store NUL in text: refuse it as bad input
        return data


MAX_PRICE = 100_000_000
_MONEY_INPUT_SCHEMA = {
    "type": "object",
    "title": "MoneyInput",
    "properties": {
        "amount": {"type": "integer", "minimum": 0, "maximum": MAX_PRICE},
        "currency": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "The shop currency (MERCATO_CATALOG__CURRENCY); another is 422.",
        },
    },
    "required": ["amount", "currency"],
    "additionalProperties": False,
    "examples": [{"amount": 1299, "currency": "EUR"}],
}
# A price goes in as it comes out: `{amount, currency}`. Bare integer minor units (the CSV/JSON
# file formats and the Python API) are still accepted, and deprecated on the HTTP API (ADR 0016).
Price = Annotated[
    int,
    WithJsonSchema(
        {
            "anyOf": [
                _MONEY_INPUT_SCHEMA,
                {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_PRICE,
                    "deprecated": True,
                    "description": "Deprecated: minor units in the shop currency.",
                },
            ]
        }
    ),
]
PRICE_FIELDS = ("price", "compare_at_price")


class MoneyInput(StrictInput):
    amount: int = Field(ge=0, le=MAX_PRICE)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class _Priced(_Input):
    """Takes `price`/`compare_at_price` as Money objects; remembers their currencies."""

    _price_currencies: set[str] = PrivateAttr(default_factory=set)

    @model_validator(mode="wrap")
    @classmethod
    def _money_to_minor_units(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        currencies: set[str] = set()
        if isinstance(data, dict):
            data = dict(data)
            errors: list[InitErrorDetails] = []
            for name in PRICE_FIELDS:
                value = data.get(name)
                if not isinstance(value, dict):
                    continue
                try:
                    money = MoneyInput.model_validate(value)
                except ValidationError as exc:
                    errors += [
                        InitErrorDetails(
                            type=PydanticCustomError(e["type"], e["msg"]),
                            loc=(name, *e["loc"]),
                            input=e["input"],
                        )
                        for e in exc.errors()
                    ]
                    continue
                data[name] = money.amount
                currencies.add(money.currency)
            if errors:
                raise ValidationError.from_exception_data(cls.__name__, errors)
        model = handler(data)
        model._price_currencies = currencies
        return model

    @property
    def price_currencies(self) -> set[str]:
        return set(self._price_currencies)


class OptionInput(_Input):
    name: OptionText
    values: list[OptionText] = Field(min_length=1, max_length=100)


class VariantCreate(_Priced):
    sku: Sku
    barcode: Annotated[str, StringConstraints(max_length=64)] | None = None
    options: dict[OptionText, OptionText] = Field(default_factory=dict, max_length=5)
    price: Price = Field(ge=0, le=MAX_PRICE)
    compare_at_price: Price | None = Field(default=None, ge=0, le=MAX_PRICE)
    weight_grams: int = Field(default=0, ge=0, le=10_000_000)
    length_mm: int | None = Field(default=None, ge=0, le=100_000)
    width_mm: int | None = Field(default=None, ge=0, le=100_000)
    height_mm: int | None = Field(default=None, ge=0, le=100_000)
    position: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool = True
    stock: int | None = Field(default=None, ge=0, le=1_000_000, description="initial on hand")


class VariantUpdate(_Priced):
    barcode: Annotated[str, StringConstraints(max_length=64)] | None = None
    options: dict[OptionText, OptionText] | None = None
    price: Price | None = Field(default=None, ge=0, le=MAX_PRICE)
    compare_at_price: Price | None = Field(default=None, ge=0, le=MAX_PRICE)
    weight_grams: int | None = Field(default=None, ge=0, le=10_000_000)
    length_mm: int | None = Field(default=None, ge=0, le=100_000)
    width_mm: int | None = Field(default=None, ge=0, le=100_000)
    height_mm: int | None = Field(default=None, ge=0, le=100_000)
    position: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool | None = None


class ImageInput(_Input):
    url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^(https://|/media/)\S+$")]
    alt: ShortText = ""
    width: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="Pixels, for the page's layout; left out, an image already on the product "
        "at this URL keeps the size it has (an upload measures it)",
    )
    height: int | None = Field(default=None, ge=1, le=100_000)


class ProductCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Wool Scarf",
                    "status": "active",
                    "variants": [
                        {
                            "sku": "SCARF-RED",
                            "price": {"amount": 2500, "currency": "EUR"},
                            "options": {"Colour": "Red"},
                            "stock": 4,
                        }
                    ],
                    "options": [{"name": "Colour", "values": ["Red"]}],
                }
            ]
        }
    )

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


class ImportCategory(_Input):
    """One category of an import file's `category_path` (the product's category and its
    parents, from the top level down): the import creates it when the shop has no category
    with its slug (ADR 0058). `description` and `position` are used only when it is created."""

    slug: Slug
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class ImportCollection(_Input):
    """One of a product's collections in an import file's `collection_details`: the import
    creates it when the shop has no collection with its slug (ADR 0058)."""

    slug: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None


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
    seo_title: str = Field(
        description="The headline for search results: `custom_seo_title`, else the title."
    )
    custom_seo_title: str | None = Field(
        description="The headline staff set for search results; null when `seo_title` is the title."
    )
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
    # Editorial from the CMS (mercato.content), on the public product detail only.
    editorial: ProductEditorialRead | None = None


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


class CollectionSummary(BaseModel):
    id: uuid.UUID
    title: str
    slug: str
    version: int


class CollectionList(BaseModel):
    """Collections by title, keyset-paginated."""

    items: list[CollectionSummary]
    next_cursor: str | None


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
    # the categories and collections the file declared that the shop lacked (ADR 0058)
    categories_created: int = 0
    collections_created: int = 0

    @field_validator("errors")
    @classmethod
    def _cap(cls, value: list[ImportRowError]) -> list[ImportRowError]:
        return value[:1000]
