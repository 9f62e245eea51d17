"""Inventory API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mercato.platform.strict import StrictInput


class StockLevelRead(BaseModel):
    sku: str
    warehouse: str
    on_hand: int
    reserved: int
    available: int


class StockAdjustment(StrictInput):
    """Either `delta` (add/remove) or `on_hand` (set an absolute count), with a reason."""

    model_config = ConfigDict(extra="forbid")

    delta: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    on_hand: int | None = Field(default=None, ge=0, le=1_000_000_000)
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def _printable(cls, value: str) -> str:
        if "\x00" in value or not value.strip():
            raise ValueError("a reason is required (printable text)")
        return value.strip()


class StockMovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sku: str
    kind: str
    delta_on_hand: int
    delta_reserved: int
    reason: str | None
    reference: str | None
    actor: str | None
    created_at: datetime


class StockMovementPage(BaseModel):
    items: list[StockMovementRead]
    next_cursor: str | None
