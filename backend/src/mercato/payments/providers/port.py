"""The payment gateway port: our own frozen dataclasses in and out, no SDK types.

Every method receives the caller's unit of work (`session`). Providers that keep their state in
our database (the sandbox) write through it, so their state commits or rolls back with the
caller's transaction; remote providers (Stripe) ignore it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

CaptureMethod = Literal["automatic", "manual"]

# Stripe's PaymentIntent statuses; every provider maps onto them.
INTENT_STATUSES = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
    "requires_capture",
    "succeeded",
    "canceled",
)


class GatewayError(Exception):
    """The provider refused a request (bad state, invalid parameters)."""

    def __init__(self, message: str, *, code: str = "provider_error") -> None:
        super().__init__(message)
        self.code = code


class GatewayUnavailable(GatewayError):
    """The provider could not be reached or answered 5xx/429: retry later."""

    def __init__(self, message: str = "payment provider unavailable") -> None:
        super().__init__(message, code="payment_provider_unavailable")


class WebhookRejected(Exception):
    """A webhook failed verification (signature, timestamp, format). Nothing may be written."""


@dataclass(frozen=True)
class CreateIntent:
    amount: int
    currency: str
    capture_method: CaptureMethod
    order_id: str
    idempotency_key: str


@dataclass(frozen=True)
class Refund:
    id: str
    amount: int
    status: str  # pending | succeeded | failed | canceled


@dataclass(frozen=True)
class Intent:
    """A provider's payment intent, re-read whenever its state matters."""

    id: str
    status: str
    amount: int
    currency: str
    capture_method: CaptureMethod
    amount_capturable: int = 0
    amount_received: int = 0
    latest_charge: str | None = None
    last_error_code: str | None = None
    # The provider's id of the failed attempt (Stripe: the declined charge), one per attempt.
    last_error_attempt: str | None = None
    order_id: str | None = None
    refunds: tuple[Refund, ...] = ()
    # Returned by create only; handed to the storefront, never stored or logged.
    client_secret: str | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        """A confirmation attempt was refused (Stripe keeps the intent re-confirmable)."""
        return self.status == "requires_payment_method" and self.last_error_code is not None


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    intent_id: str | None
    created: int


class PaymentGateway(Protocol):
    """What checkout, orders and the webhook path need from a payment provider."""

    name: str

    async def create_intent(self, session: AsyncSession, request: CreateIntent) -> Intent: ...

    async def retrieve_intent(self, session: AsyncSession, intent_id: str) -> Intent: ...

    async def capture(
        self,
        session: AsyncSession,
        intent_id: str,
        *,
        amount: int | None,
        idempotency_key: str,
    ) -> Intent: ...

    async def cancel(
        self, session: AsyncSession, intent_id: str, *, idempotency_key: str
    ) -> Intent:
        """Void an uncaptured intent."""
        ...

    async def refund(
        self,
        session: AsyncSession,
        intent_id: str,
        *,
        amount: int,
        idempotency_key: str,
        reason: str | None = None,
    ) -> Refund: ...

    def parse_and_verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify the signature over the raw body, then parse. Raises WebhookRejected."""
        ...

    async def close(self) -> None: ...
