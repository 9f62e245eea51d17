"""Payments tables: the payment per order, the append-only ledger, webhook de-duplication and
the sandbox provider's own state.

No card number, CVC or client secret is ever stored: the sandbox keeps the card's brand and last
four digits, and a SHA-256 of the client secret / challenge token it issued.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from mercato.platform.clock import utcnow
from mercato.platform.db import Base
from mercato.platform.ids import new_id


class Payment(Base):
    """One payment per order: the current summary. History lives in `payment_transaction`."""

    __tablename__ = "payment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    intent_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    capture_method: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int]
    amount_authorized: Mapped[int] = mapped_column(default=0)
    amount_captured: Mapped[int] = mapped_column(default=0)
    amount_refunded: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("provider", "intent_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "amount_refunded >= 0 AND amount_refunded <= amount_captured",
            name="refund_within_captured",
        ),
        CheckConstraint("amount_captured >= 0", name="captured_non_negative"),
        Index("ix_payment_status_created", "status", "created_at"),
    )


class PaymentTransaction(Base):
    """The append-only ledger: every authorisation, capture, refund, failure, void and webhook.

    A trigger (see `create_ledger_guards`) rejects UPDATE and DELETE on both databases.
    """

    __tablename__ = "payment_transaction"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(index=True)
    provider: Mapped[str] = mapped_column(String(32))
    # intent_created | authorization | capture | refund | failure | void | webhook
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(255))  # pi_…, re_…, ch_…
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(128))  # outcome, or the event type for webhooks
    raw_event_id: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentEvent(Base):
    """A provider event we accepted; unique per provider so a replay is a no-op."""

    __tablename__ = "payment_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(128))
    intent_id: Mapped[str | None] = mapped_column(String(255), default=None)
    outcome: Mapped[str] = mapped_column(String(16))  # processed | unmatched | ignored
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "event_id"),)


class SandboxIntent(Base):
    """The sandbox provider's payment intent (plays Stripe's part; no card data stored)."""

    __tablename__ = "sandbox_intent"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    capture_method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    amount_capturable: Mapped[int] = mapped_column(default=0)
    amount_received: Mapped[int] = mapped_column(default=0)
    order_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    challenge_token_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    card_brand: Mapped[str | None] = mapped_column(String(16), default=None)
    card_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    last_error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    latest_charge: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SandboxRefund(Base):
    __tablename__ = "sandbox_refund"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    intent_id: Mapped[str] = mapped_column(ForeignKey("sandbox_intent.id"), index=True)
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxEvent(Base):
    """An event the sandbox emitted; delivered signed through the webhook path (re-deliverable)."""

    __tablename__ = "sandbox_event"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(128))
    intent_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the event's data.object snapshot
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None, index=True)


_SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS payment_transaction_no_{op.lower()} "
    f"BEFORE {op} ON payment_transaction "
    "BEGIN SELECT RAISE(ABORT, 'payment_transaction is append-only'); END"
    for op in ("UPDATE", "DELETE")
]

_POSTGRES_GUARDS = [
    """
    CREATE OR REPLACE FUNCTION payment_transaction_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'payment_transaction is append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS payment_transaction_append_only ON payment_transaction",
    """
    CREATE TRIGGER payment_transaction_append_only
    BEFORE UPDATE OR DELETE ON payment_transaction
    FOR EACH ROW EXECUTE FUNCTION payment_transaction_append_only()
    """,
]


def create_ledger_guards(connection: Connection) -> None:
    """Make the ledger append-only in the database itself (also called by the migration)."""
    statements = _SQLITE_GUARDS if connection.dialect.name == "sqlite" else _POSTGRES_GUARDS
    for statement in statements:
        connection.exec_driver_sql(statement)
