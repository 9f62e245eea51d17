"""Checkout API shapes: addresses, shipping, discounts, the checkout request and response."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ModelWrapValidatorHandler,
    model_validator,
)

from mercato.orders.schemas import OrderRead, PaymentStartRead
from mercato.platform.addresses import with_address_rules
from mercato.platform.money import Money
from mercato.platform.strict import ONE_LINE, StrictInput


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

    first_name: Annotated[str, Field(min_length=1, max_length=100), ONE_LINE]
    last_name: Annotated[str, Field(min_length=1, max_length=100), ONE_LINE]
    company: Annotated[str, Field(max_length=200), ONE_LINE] | None = None
    line1: Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
    line2: Annotated[str, Field(max_length=200), ONE_LINE] | None = None
    city: Annotated[str, Field(min_length=1, max_length=100), ONE_LINE]
    postal_code: Annotated[str, Field(min_length=1, max_length=16), ONE_LINE]
    region: Annotated[str, Field(max_length=8), ONE_LINE] | None = None
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

    email: EmailStr = Field(max_length=320)
    shipping_address: Address
    billing_address: Address | None = None
    same_as_shipping: bool = True

    @model_validator(mode="wrap")
    @classmethod
    def _address_rules(
        cls, data: Any, handler: ModelWrapValidatorHandler[CartAddressUpdate]
    ) -> CartAddressUpdate:
        """A request with another error also lists its addresses' country rules' errors (one
        422); the billing address counts only when it is not the shipping address."""
        parts = ["shipping_address"]
        if isinstance(data, Mapping) and data.get("same_as_shipping") is False:
            parts.append("billing_address")
        return with_address_rules(data, handler, parts=parts)

    @model_validator(mode="after")
    def _billing(self) -> CartAddressUpdate:
        if not self.same_as_shipping and self.billing_address is None:
            raise ValueError("billing_address is required unless same_as_shipping is true")
        return self


class ShippingMethodSelect(_Input):
    code: str = Field(min_length=1, max_length=64)


class ShippingCountryRead(BaseModel):
    """A country checkout ships to, with what its address form needs."""

    code: str = Field(description="ISO 3166-1 alpha-2 code, upper case")
    name: str = Field(
        description="English display name, e.g. `Germany` (the code for a country the shop "
        "has no name for)"
    )
    postal_code_example: str | None = Field(
        description="A postal code of the form the country's addresses need, e.g. `10115`; "
        "null when any postal code is accepted"
    )
    region_required: bool = Field(description="The address needs a state/province (`region`)")


class ShippingCountriesRead(BaseModel):
    """The countries checkout ships to (`MERCATO_CHECKOUT__ALLOWED_COUNTRIES`), all of them:
    `next_cursor` is always null."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": ["AT", "DE"],
                    "countries": [
                        {
                            "code": "AT",
                            "name": "Austria",
                            "postal_code_example": "1010",
                            "region_required": False,
                        },
                        {
                            "code": "DE",
                            "name": "Germany",
                            "postal_code_example": "10115",
                            "region_required": False,
                        },
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[str] = Field(description="ISO 3166-1 alpha-2 codes, upper case, sorted by code")
    countries: list[ShippingCountryRead] = Field(
        description="The same countries in the same order, each with its name and form hints"
    )
    next_cursor: str | None


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
