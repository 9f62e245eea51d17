"""Cart API shapes. Inputs forbid unknown fields, so a client-sent price is a 422."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mercato.platform.money import Money
from mercato.platform.strict import StrictInput


class _Input(StrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CartLineCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"sku": "TSHIRT-BLUE-M", "quantity": 2}]}
    )

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=1_000_000)


class CartLineUpdate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"quantity": 3}]})

    quantity: int = Field(ge=1, le=1_000_000)


class CartLineRead(BaseModel):
    id: uuid.UUID
    sku: str
    quantity: int
    product_title: str
    variant_title: str
    product_slug: str | None
    image_url: str | None
    unit_price: Money
    line_total: Money
    available: int
    max_quantity: int
    unavailable: bool
    insufficient_stock: bool


class ShippingSelectionRead(BaseModel):
    code: str
    name: str
    price: Money


class CartRead(BaseModel):
    id: uuid.UUID
    status: str
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None
    currency: str
    email: str | None
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    shipping_method: ShippingSelectionRead | None
    discount_code: str | None
    lines: list[CartLineRead]
    item_count: int
    subtotal: Money
    discount_total: Money
    shipping_total: Money
    tax_total: Money
    total: Money
    prices_include_tax: bool
    problems: list[dict[str, Any]]
    expires_at: datetime
