"""Request and response bodies of the accounts API. Inputs forbid unknown fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    model_validator,
)

from mercato.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from mercato.platform.addresses import with_address_rules
from mercato.platform.strict import ONE_LINE, StrictInput

Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), ONE_LINE]
OpaqueToken = Annotated[str, Field(min_length=1, max_length=2048)]
ItemRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
MAX_WISHLIST_ITEMS = 200


def contains_nul(value: object) -> bool:
    """NUL characters cannot be stored in PostgreSQL text; they are refused up front."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


class Input(StrictInput):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_nul_characters(self) -> Input:
        for name in type(self).model_fields:
            if contains_nul(getattr(self, name)):
                raise ValueError(f"`{name}` must not contain NUL characters")
        return self


class RegisterRequest(Input):
    email: EmailStr = Field(max_length=320)
    password: Password
    full_name: Name = ""
    marketing_consent: bool = False
    locale: Locale = "en"


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str


class RefreshRequest(Input):
    refresh_token: OpaqueToken


class TokenRequest(Input):
    token: OpaqueToken


class PasswordResetRequest(Input):
    email: Annotated[str, Field(min_length=3, max_length=320)]


class PasswordResetConfirm(Input):
    token: OpaqueToken
    new_password: Password


class PasswordChange(Input):
    current_password: Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]
    new_password: Password


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    is_active: bool
    email_verified: bool
    email_verified_at: datetime | None
    marketing_consent: bool
    marketing_consent_at: datetime | None
    locale: str
    created_at: datetime


class UserUpdate(Input):
    """Whitelisted self-service fields; anything else (role, email, ...) is a 422."""

    full_name: Name | None = None
    locale: Locale | None = None
    marketing_consent: bool | None = None


class AddressFields(Input):
    full_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE
    ]
    company: Name = ""
    line1: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE
    ]
    line2: Name = ""
    postal_code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), ONE_LINE
    ]
    city: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), ONE_LINE
    ]
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), ONE_LINE] = ""
    country: Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")]
    phone: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+() .-]{0,32}$")
    ] = ""
    is_default: bool = False

    @model_validator(mode="wrap")
    @classmethod
    def _address_rules(
        cls, data: Any, handler: ModelWrapValidatorHandler[AddressFields]
    ) -> AddressFields:
        """A request with another error also lists the country rules' errors (one 422)."""
        return with_address_rules(data, handler)


class AddressCreate(AddressFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "full_name": "Ada Lovelace",
                    "line1": "1 Main Street",
                    "city": "Berlin",
                    "postal_code": "10115",
                    "country": "DE",
                }
            ]
        }
    )


class AddressUpdate(Input):
    full_name: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE
        ]
        | None
    ) = None
    company: Name | None = None
    line1: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE
        ]
        | None
    ) = None
    line2: Name | None = None
    postal_code: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), ONE_LINE
        ]
        | None
    ) = None
    city: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), ONE_LINE
        ]
        | None
    ) = None
    region: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), ONE_LINE] | None
    ) = None
    country: Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")] | None = (
        None
    )
    phone: (
        Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+() .-]{0,32}$")]
        | None
    ) = None
    is_default: bool | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _address_rules(
        cls, data: Any, handler: ModelWrapValidatorHandler[AddressUpdate]
    ) -> AddressUpdate:
        """As `AddressFields`, for the fields the update names (the stored ones are the
        service's: a region left out is not missing)."""
        return with_address_rules(data, handler, partial=True)


class AddressRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    full_name: str
    company: str
    line1: str
    line2: str
    postal_code: str
    city: str
    region: str
    country: str
    phone: str
    is_default: bool
    created_at: datetime
    updated_at: datetime


class Wishlist(Input):
    items: Annotated[list[ItemRef], Field(max_length=MAX_WISHLIST_ITEMS)]


class AddressList(BaseModel):
    """At most MAX_ADDRESSES per account: one page, `next_cursor` is always null."""

    items: list[AddressRead]
    next_cursor: str | None


class CustomerPage(BaseModel):
    items: list[UserRead]
    next_cursor: str | None


class CustomerAdminUpdate(Input):
    role: Literal["customer", "staff", "admin"] | None = None
    is_active: bool | None = None
