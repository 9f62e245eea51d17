"""Discount API schemas: staff create, update and read codes and their usage."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from mercato.platform.strict import StrictInput, UtcDatetime


class _Input(StrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DiscountCreate(_Input):
    code: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    kind: Literal["percentage", "fixed", "free_shipping"]
    value: int = Field(default=0, ge=0, le=10**9)
    min_subtotal: int = Field(default=0, ge=0, le=10**12)
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None
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
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None
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
