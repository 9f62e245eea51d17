"""Checkout API shapes: addresses, shipping, discounts, the checkout request and response."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from mercato.orders.schemas import Money, OrderRead, PaymentStartRead
from mercato.platform.strict import StrictInput


class _Input(StrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "line1": "Unter den Linden 1",
                    "city": "Berlin",
                    "postal_code": "10117",
                    "country": "DE",
                }
            ]
        }
    )

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    company: str | None = Field(default=None, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=16)
    region: str | None = Field(default=None, max_length=8)
    country: str = Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+() .\-/]*$")


class CartAddressUpdate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "shipping_address": {
                        "first_name": "Ada",
                        "last_name": "Lovelace",
                        "line1": "Unter den Linden 1",
                        "city": "Berlin",
                        "postal_code": "10117",
                        "country": "DE",
                    },
                    "same_as_shipping": True,
                }
            ]
        }
    )

    email: EmailStr
    shipping_address: Address
    billing_address: Address | None = None
    same_as_shipping: bool = True

    @model_validator(mode="after")
    def _billing(self) -> CartAddressUpdate:
        if not self.same_as_shipping and self.billing_address is None:
            raise ValueError("billing_address is required unless same_as_shipping is true")
        return self


class ShippingMethodSelect(_Input):
    code: str = Field(min_length=1, max_length=64)


class ShippingOptionRead(BaseModel):
    code: str
    name: str
    price: Money
    zone: str
    min_days: int
    max_days: int


class ShippingOptionList(BaseModel):
    """The options for one cart (a handful): `next_cursor` is always null."""

    items: list[ShippingOptionRead]
    next_cursor: str | None


class DiscountCodeApply(_Input):
    code: str = Field(min_length=1, max_length=64)


class DiscountCreate(_Input):
    code: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    kind: Literal["percentage", "fixed", "free_shipping"]
    value: int = Field(default=0, ge=0, le=10**9)
    min_subtotal: int = Field(default=0, ge=0, le=10**12)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = Field(default=None, ge=1)
    per_customer_limit: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> DiscountCreate:
        if self.kind == "percentage" and not 1 <= self.value <= 100:
            raise ValueError("a percentage discount needs a value between 1 and 100")
        if self.kind == "fixed" and self.value < 1:
            raise ValueError("a fixed discount needs a positive value (minor units)")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class DiscountUpdate(_Input):
    """Change a code's terms; omitted fields stay. The code and its kind never change.

    `null` clears the dates and limits; `value`, `min_subtotal` and `active` may be omitted but
    not null.
    """

    # SkipJsonSchema keeps the None default (= omitted) out of the published schema

    value: int | SkipJsonSchema[None] = Field(default=None, ge=0, le=10**9)
    min_subtotal: int | SkipJsonSchema[None] = Field(default=None, ge=0, le=10**12)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = Field(default=None, ge=1)
    per_customer_limit: int | None = Field(default=None, ge=1)
    active: bool | SkipJsonSchema[None] = None

    @field_validator("value", "min_subtotal", "active", mode="before")
    @classmethod
    def _not_null(cls, raw: object) -> object:
        if raw is None:
            raise ValueError("may be omitted, but not null")
        return raw


class DiscountRedemptionRead(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    customer: str = Field(description='"user:<id>" or "email:<address>"')
    amount: int = Field(description="Discount given, minor units")
    created_at: datetime


class DiscountUsage(BaseModel):
    """A code's redemptions, newest first, with totals over all of them."""

    discount: DiscountRead
    total_redemptions: int
    total_discounted: int = Field(description="Sum of the discounts given, minor units")
    items: list[DiscountRedemptionRead]
    next_cursor: str | None


class DiscountRead(BaseModel):
    id: uuid.UUID
    code: str
    kind: str
    value: int
    currency: str
    min_subtotal: int
    starts_at: datetime | None
    ends_at: datetime | None
    usage_limit: int | None
    per_customer_limit: int | None
    used_count: int
    active: bool
    created_at: datetime


class DiscountList(BaseModel):
    items: list[DiscountRead]
    next_cursor: str | None


class CheckoutRequest(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cart_id": "0b7a4c8e-2f1d-4e6a-9c3b-5d8f7e6a1b2c",
                    "customer_note": "Please ring twice.",
                }
            ]
        }
    )

    cart_id: uuid.UUID
    customer_note: str | None = Field(default=None, max_length=1000)


class CheckoutRead(OrderRead):
    order_token: str
    order_url: str
    payment: PaymentStartRead | None = None  # type: ignore[assignment]
