"""Inventory tables: warehouses, stock per SKU per warehouse, the append-only movement ledger."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id

# The default warehouse has a fixed id so it can be created idempotently (INSERT .. ON CONFLICT).
DEFAULT_WAREHOUSE_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
DEFAULT_WAREHOUSE_CODE = "default"


class Warehouse(Base):
    __tablename__ = "warehouse"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StockLevel(Base):
    __tablename__ = "stock_level"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("warehouse.id", ondelete="CASCADE"), primary_key=True
    )
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )


class StockMovement(Base):
    """Append-only: the service only ever inserts rows here."""

    __tablename__ = "stock_movement"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sku: Mapped[str] = mapped_column(String(64))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouse.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # reserve|release|commit|adjust|import
    delta_on_hand: Mapped[int] = mapped_column(default=0)
    delta_reserved: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    reference: Mapped[str | None] = mapped_column(String(200), default=None)
    actor: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_stock_movement_sku_created", "sku", "created_at"),)
