"""Order API shapes. Money is `{amount, currency}` in integer minor units."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mercato.platform.money import Money
from mercato.platform.strict import StrictInput


class OrderLineRead(BaseModel):
    id: uuid.UUID
    sku: str
    product_title: str
    variant_title: str
    quantity: int
    quantity_fulfilled: int
    unit_price: Money
    subtotal: Money
    discount: Money
    tax: Money
    tax_rate_bp: int
    total: Money


class PaymentSummaryRead(BaseModel):
    provider: str
    intent_id: str
    status: str
    amount_authorized: Money
    amount_captured: Money
    amount_refunded: Money
    last_error_code: str | None = Field(
        default=None,
        description="Why the latest attempt on the current intent failed (e.g. card_declined); "
        "null once a new attempt or intent starts. With status requires_payment_method: retry.",
    )
    failure_message: str | None = Field(
        default=None,
        description="last_error_code in words for the shopper (e.g. 'The card has insufficient "
        "funds.'), as the payment-failed email says it; null when last_error_code is.",
    )
    failed_attempts: int = Field(default=0, description="Failed attempts on this order so far")


class PaymentStartRead(BaseModel):
    """What the client needs to confirm a payment with the provider (shown once)."""

    provider: str
    intent_id: str
    client_secret: str | None
    status: str


class OrderRead(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    email: str
    customer_name: str
    currency: str
    lines: list[OrderLineRead]
    subtotal: Money
    discount_total: Money
    shipping_total: Money
    tax_total: Money
    total: Money
    amount_paid: Money
    amount_refunded: Money
    prices_include_tax: bool
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any]
    shipping_method: dict[str, Any]
    discount_code: str | None
    customer_note: str | None
    cancel_reason: str | None
    created_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None
    payment: PaymentSummaryRead | None = None


class OrderPaymentRead(OrderRead):
    """An order with a fresh payment intent (`POST /orders/{id}/payment`)."""

    payment: PaymentStartRead  # type: ignore[assignment]


class OrderEventRead(BaseModel):
    id: uuid.UUID
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    note: str | None
    data: dict[str, Any]
    created_at: datetime


class LedgerEntryRead(BaseModel):
    """One payment ledger row: authorisation, capture, refund, failure, void or webhook."""

    id: uuid.UUID
    provider: str
    kind: str
    reference: str
    amount: Money
    status: str
    created_at: datetime


class AdminOrderRead(OrderRead):
    customer_id: uuid.UUID | None
    history: list[OrderEventRead]
    transactions: list[LedgerEntryRead] = Field(
        default_factory=list, description="The payment ledger, oldest first"
    )


class OrderPage(BaseModel):
    items: list[OrderRead]
    next_cursor: str | None


class AdminOrderPage(BaseModel):
    items: list[OrderRead]
    next_cursor: str | None


class _Input(StrictInput):
    model_config = ConfigDict(extra="forbid")


class NoteCreate(_Input):
    note: str = Field(min_length=1, max_length=2000)


class CancelRequest(_Input):
    reason: str = Field(default="cancelled_by_admin", min_length=1, max_length=64)


class RefundRequest(_Input):
    amount: int | None = Field(default=None, gt=0, le=10**12)  # None: everything refundable
    reason: str | None = Field(default=None, max_length=200)


class FulfilItem(_Input):
    line_id: uuid.UUID
    quantity: int = Field(gt=0, le=1_000_000)


class FulfilRequest(_Input):
    items: list[FulfilItem] | None = Field(default=None, max_length=500)  # None: everything left


class ShipRequest(_Input):
    carrier: str | None = Field(default=None, max_length=64)
    tracking_number: str | None = Field(default=None, max_length=128)
