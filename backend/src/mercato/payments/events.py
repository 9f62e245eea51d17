"""What payments tells the modules above it (domain events, handled in the same transaction),
and the one thing it asks of the order it collects for (`OrderGate`, installed at the root)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class PaymentSucceeded:
    """Money was authorised (or captured) for the order."""

    order_id: uuid.UUID
    amount: int
    provider: str
    reference: str


@dataclass(frozen=True)
class PaymentRefunded:
    """Money went back to the shopper: a refund, or a void of an uncaptured authorisation.
    Idempotent per (provider, reference)."""

    order_id: uuid.UUID
    amount: int
    provider: str
    reference: str


@dataclass(frozen=True)
class PaymentFailed:
    """One payment attempt failed; the order may be retried."""

    order_id: uuid.UUID
    reason: str
    provider: str | None


class OrderGate(Protocol):
    """The order a payment belongs to, as payments needs it: a lock and a status."""

    async def lock(self, session: AsyncSession, order_id: uuid.UUID) -> None:
        """Lock the order row (always before the payment row: one lock order, no deadlock)."""
        ...

    async def status(self, session: AsyncSession, order_id: uuid.UUID) -> str:
        """The order's status (pending_payment, cancelled, paid, ...)."""
        ...


_gate: OrderGate | None = None


def install_order_gate(gate: OrderGate) -> None:
    global _gate
    _gate = gate


def order_gate() -> OrderGate:
    if _gate is None:
        raise RuntimeError("no OrderGate installed; wire it in mercato.bootstrap")
    return _gate
