"""Payment rules: start, capture, void, refund (through the gateway port), webhooks, reconciliation.

The ledger (`payment_transaction`) is append-only; `payment` holds the current summary. Provider
state is the source of truth: every webhook re-reads the intent (and its refunds) and converges
our records to it with `_apply_intent`, so duplicates and out-of-order events are harmless. Order
state changes reach orders as domain events (`payments.events`), handled in the same transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Counter
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.payments.events import (
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    order_gate,
)
from mercato.payments.exceptions import PaymentProviderUnavailable, WebhookInvalid
from mercato.payments.models import Payment, PaymentEvent, PaymentTransaction, SandboxEvent
from mercato.payments.ports import PaymentsPorts
from mercato.payments.providers import signing
from mercato.payments.providers.port import (
    CaptureMethod,
    CreateIntent,
    GatewayError,
    GatewayUnavailable,
    Intent,
    PaymentGateway,
    WebhookEvent,
    WebhookRejected,
)
from mercato.payments.providers.sandbox import SandboxGateway, check_card, event_body
from mercato.platform.clock import utcnow
from mercato.platform.db import insert_new
from mercato.platform.domain_events import publish
from mercato.platform.errors import Conflict, DomainError, NotFound, ValidationFailed
from mercato.platform.ids import new_id

log = structlog.get_logger("mercato.payments")

WEBHOOKS = Counter(
    "mercato_payment_webhooks_total",
    "Payment webhooks by provider and outcome (rejected, duplicate, unmatched, processed, …)",
    ["provider", "outcome"],
)

# Payments still waiting for the shopper or the provider (reconciliation looks at these).
OPEN_STATUSES = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
)


@dataclass(frozen=True)
class PaymentStart:
    provider: str
    intent_id: str
    client_secret: str | None = field(repr=False)
    status: str


@dataclass(frozen=True)
class PaymentSummary:
    provider: str
    intent_id: str
    status: str
    amount_authorized: int
    amount_captured: int
    amount_refunded: int
    currency: str
    last_error_code: str | None = None  # the current intent's latest attempt failed with this
    failed_attempts: int = 0


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the payment ledger, as the admin order page shows it."""

    id: uuid.UUID
    provider: str
    kind: str
    reference: str
    amount: int
    currency: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    outcome: str  # processed | duplicate | unmatched | ignored


@dataclass(frozen=True)
class SandboxConfirmResult:
    status: str
    next_action: dict[str, str] | None = None


# --------------------------------------------------------------------------- helpers


def _key(*parts: object) -> str:
    """A provider idempotency key (at most 255 characters, no raw client input)."""
    return "mercato:" + ":".join(str(p) for p in parts)


def _append(
    session: AsyncSession,
    payment: Payment,
    *,
    kind: str,
    reference: str,
    amount: int,
    status: str,
    raw_event_id: str | None = None,
) -> None:
    session.add(
        _transaction(
            payment,
            kind=kind,
            reference=reference,
            amount=amount,
            status=status,
            raw_event_id=raw_event_id,
        )
    )


def _transaction(
    payment: Payment,
    *,
    kind: str,
    reference: str,
    amount: int,
    status: str,
    raw_event_id: str | None = None,
) -> PaymentTransaction:
    return PaymentTransaction(
        id=new_id(),
        payment_id=payment.id,
        order_id=payment.order_id,
        provider=payment.provider,
        kind=kind,
        reference=reference,
        amount=amount,
        currency=payment.currency,
        status=status[:128],
        raw_event_id=raw_event_id,
        created_at=utcnow(),
    )


def _locked(query: Any) -> Any:
    return query.with_for_update().execution_options(populate_existing=True)


async def _lock_order_then_payment(session: AsyncSession, payment_id: uuid.UUID) -> Payment | None:
    """Lock the order row, then the payment row, and return the fresh payment.

    Every path takes the two locks in this order (the orders module locks its order before
    calling us), so concurrent webhooks, refunds and cancellations never deadlock on PostgreSQL.
    """
    order_id = await session.scalar(select(Payment.order_id).where(Payment.id == payment_id))
    if order_id is None:
        return None
    await order_gate().lock(session, order_id)
    payment: Payment | None = await session.scalar(
        _locked(select(Payment).where(Payment.id == payment_id))
    )
    return payment


async def _payment_for_order(
    session: AsyncSession, order_id: uuid.UUID, *, lock: bool = True
) -> Payment | None:
    query = select(Payment).where(Payment.order_id == order_id)
    if not lock:
        found: Payment | None = await session.scalar(query)
        return found
    payment_id = await session.scalar(select(Payment.id).where(Payment.order_id == order_id))
    return None if payment_id is None else await _lock_order_then_payment(session, payment_id)


def _unavailable(exc: GatewayUnavailable) -> PaymentProviderUnavailable:
    log.warning("payment_provider_unavailable", error=str(exc))
    return PaymentProviderUnavailable()


async def _cancel_at_provider(
    session: AsyncSession, gateway: PaymentGateway, intent_id: str
) -> Intent:
    """Cancel an intent (idempotently); when the provider refuses, report its current state."""
    try:
        return await gateway.cancel(session, intent_id, idempotency_key=_key("cancel", intent_id))
    except GatewayUnavailable as exc:
        raise _unavailable(exc) from None
    except GatewayError:
        try:
            return await gateway.retrieve_intent(session, intent_id)
        except GatewayUnavailable as exc:
            raise _unavailable(exc) from None


def _capture_method(container: PaymentsPorts, provider: str) -> CaptureMethod:
    config = container.settings.payments
    return config.stripe_capture_method if provider == "stripe" else config.sandbox_capture_method


# --------------------------------------------------------------------------- checkout


async def start_payment(
    session: AsyncSession,
    container: PaymentsPorts,
    *,
    order_id: uuid.UUID,
    amount: int,
    currency: str,
    email: str,
    idempotency_key: str,
) -> PaymentStart:
    """Create the provider intent and the payment row inside the checkout's transaction.

    Raises PaymentProviderUnavailable (503 + Retry-After) when the provider is down, so the caller's
    transaction rolls back: the reservation is released and nothing is half-written.
    """
    del email  # never sent to the provider: it would trigger provider receipts
    if amount <= 0:
        raise ValidationFailed("A payment needs a positive amount.", code="payment_amount_invalid")
    registry = container.payment_gateways
    gateway = registry.default
    capture_method = _capture_method(container, gateway.name)
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    try:
        intent = await gateway.create_intent(
            session,
            CreateIntent(
                amount=amount,
                currency=currency.upper(),
                capture_method=capture_method,
                order_id=str(order_id),
                idempotency_key=_key("checkout", digest, order_id),
            ),
        )
    except GatewayUnavailable as exc:
        raise _unavailable(exc) from None
    except GatewayError as exc:
        raise ValidationFailed(
            "The payment provider refused the payment.", code="payment_rejected"
        ) from exc
    payment = Payment(
        id=new_id(),
        order_id=order_id,
        provider=gateway.name,
        intent_id=intent.id,
        status=intent.status,
        capture_method=capture_method,
        currency=currency.upper(),
        amount=amount,
    )
    # plain INSERTs (the unit of work skipped): nothing changes the new payment in this
    # transaction; later ones load it
    await insert_new(
        session,
        payment,
        _transaction(
            payment, kind="intent_created", reference=intent.id, amount=amount, status=intent.status
        ),
    )
    log.info("payment_started", order_id=str(order_id), provider=gateway.name, intent_id=intent.id)
    return PaymentStart(
        provider=gateway.name,
        intent_id=intent.id,
        client_secret=intent.client_secret,
        status=intent.status,
    )


# Ledger kinds that start or end a payment attempt (the latest one tells if the last failed).
ATTEMPT_KINDS = ("intent_created", "authorization", "failure", "void")


async def _latest_attempt(session: AsyncSession, payment: Payment) -> PaymentTransaction | None:
    found: PaymentTransaction | None = await session.scalar(
        select(PaymentTransaction)
        .where(
            PaymentTransaction.payment_id == payment.id,
            PaymentTransaction.kind.in_(ATTEMPT_KINDS),
        )
        .order_by(PaymentTransaction.created_at.desc(), PaymentTransaction.id.desc())
        .limit(1)
    )
    return found


async def get_payment_summary(session: AsyncSession, order_id: uuid.UUID) -> PaymentSummary | None:
    payment = await _payment_for_order(session, order_id, lock=False)
    if payment is None:
        return None
    latest = await _latest_attempt(session, payment)
    failed_attempts = await session.scalar(
        select(func.count(PaymentTransaction.id)).where(
            PaymentTransaction.payment_id == payment.id, PaymentTransaction.kind == "failure"
        )
    )
    # Shown while the intent waits for another attempt; a renewal (intent_created), a new
    # attempt in progress or a success clears it.
    last_error = (
        latest.status
        if latest is not None
        and latest.kind == "failure"
        and payment.status == "requires_payment_method"
        and payment.amount_authorized == 0
        else None
    )
    return PaymentSummary(
        provider=payment.provider,
        intent_id=payment.intent_id,
        status=payment.status,
        amount_authorized=payment.amount_authorized,
        amount_captured=payment.amount_captured,
        amount_refunded=payment.amount_refunded,
        currency=payment.currency,
        last_error_code=last_error,
        failed_attempts=int(failed_attempts or 0),
    )


async def ledger(session: AsyncSession, order_id: uuid.UUID) -> list[LedgerEntry]:
    """The order's payment ledger, oldest first."""
    rows = await session.scalars(
        select(PaymentTransaction)
        .where(PaymentTransaction.order_id == order_id)
        .order_by(PaymentTransaction.created_at, PaymentTransaction.id)
    )
    return [
        LedgerEntry(
            id=row.id,
            provider=row.provider,
            kind=row.kind,
            reference=row.reference,
            amount=row.amount,
            currency=row.currency,
            status=row.status,
            created_at=row.created_at,
        )
        for row in rows
    ]


async def count_failures_since(session: AsyncSession, since: datetime) -> int:
    """Failed payment attempts recorded in the ledger since `since`."""
    found = await session.scalar(
        select(func.count(PaymentTransaction.id)).where(
            PaymentTransaction.kind == "failure", PaymentTransaction.created_at >= since
        )
    )
    return int(found or 0)


async def renew_payment(
    session: AsyncSession, container: PaymentsPorts, *, order_id: uuid.UUID
) -> PaymentStart:
    """Void the order's current intent, then create a fresh one for the same amount (ADR 18).

    The caller has checked that the order is still pending_payment. If the provider says the
    current intent can no longer be voided (it is processing or went through), Conflict
    `payment_in_progress`: the webhook or reconciliation settles the order instead. At most one
    live intent per order, so the order is paid at most once.
    """
    payment = await _payment_for_order(session, order_id)
    if payment is None:
        raise NotFound("This order has no payment.", code="payment_not_found")
    if payment.amount_authorized > 0:
        raise Conflict("This order's payment already went through.", code="payment_in_progress")
    gateway = container.payment_gateways.get(payment.provider)
    if payment.status != "canceled":
        voided = await _cancel_at_provider(session, gateway, payment.intent_id)
        if voided.status != "canceled":
            raise Conflict(
                f"The payment is {voided.status} at the provider and cannot be replaced.",
                code="payment_in_progress",
            )
        _append(
            session,
            payment,
            kind="void",
            reference=voided.id,
            amount=payment.amount,
            status="canceled",
        )
    attempt = await session.scalar(
        select(func.count(PaymentTransaction.id)).where(
            PaymentTransaction.payment_id == payment.id,
            PaymentTransaction.kind == "intent_created",
        )
    )
    capture_method: CaptureMethod = "manual" if payment.capture_method == "manual" else "automatic"
    try:
        intent = await gateway.create_intent(
            session,
            CreateIntent(
                amount=payment.amount,
                currency=payment.currency,
                capture_method=capture_method,
                order_id=str(order_id),
                idempotency_key=_key("renew", payment.id, attempt),
            ),
        )
    except GatewayUnavailable as exc:
        raise _unavailable(exc) from None
    except GatewayError as exc:
        raise Conflict(
            "The payment provider refused the payment.", code="payment_rejected"
        ) from exc
    previous_intent = payment.intent_id
    payment.intent_id = intent.id
    payment.status = intent.status
    _append(
        session,
        payment,
        kind="intent_created",
        reference=intent.id,
        amount=payment.amount,
        status=intent.status,
    )
    await session.flush()
    log.info(
        "payment_renewed",
        order_id=str(order_id),
        provider=payment.provider,
        previous_intent_id=previous_intent,
        intent_id=intent.id,
    )
    return PaymentStart(
        provider=payment.provider,
        intent_id=intent.id,
        client_secret=intent.client_secret,
        status=intent.status,
    )


# --------------------------------------------------------------------------- admin operations


async def refund_order_payment(
    session: AsyncSession,
    container: PaymentsPorts,
    *,
    order_id: uuid.UUID,
    amount: int | None,
    reason: str | None,
) -> None:
    """Refund `amount` (everything still refundable when None); never more than captured."""
    payment = await _payment_for_order(session, order_id)
    if payment is None:
        raise NotFound("This order has no payment.", code="payment_not_found")
    refundable = payment.amount_captured - payment.amount_refunded
    if payment.amount_captured == 0:
        if payment.status == "requires_capture" and amount in (None, payment.amount_authorized):
            await _void_authorisation(session, container, payment)
            return
        raise Conflict("Nothing has been captured for this order.", code="payment_not_captured")
    to_refund = refundable if amount is None else amount
    if to_refund <= 0 and amount is not None:
        raise ValidationFailed("A refund needs a positive amount.", code="refund_amount_invalid")
    if to_refund <= 0 or to_refund > refundable:
        raise Conflict(
            "The refund exceeds what was captured and not yet refunded.",
            code="refund_exceeds_captured",
            extra={"refundable": refundable},
        )
    gateway = container.payment_gateways.get(payment.provider)
    try:
        refund = await gateway.refund(
            session,
            payment.intent_id,
            amount=to_refund,
            idempotency_key=_key("refund", payment.id, payment.amount_refunded, to_refund),
            reason=reason,
        )
    except GatewayUnavailable as exc:
        raise _unavailable(exc) from None
    except GatewayError as exc:
        raise Conflict("The payment provider refused the refund.", code="refund_rejected") from exc
    _append(
        session, payment, kind="refund", reference=refund.id, amount=to_refund, status=refund.status
    )
    payment.amount_refunded += to_refund
    payment.status = _refund_status(payment) or payment.status
    await session.flush()
    log.info("payment_refunded", order_id=str(order_id), refund_id=refund.id, amount=to_refund)
    await publish(
        session,
        PaymentRefunded(
            order_id=order_id, amount=to_refund, provider=payment.provider, reference=refund.id
        ),
    )


async def _void_authorisation(
    session: AsyncSession, container: PaymentsPorts, payment: Payment
) -> None:
    """Manual capture: "refunding" an uncaptured authorisation releases the hold instead."""
    gateway = container.payment_gateways.get(payment.provider)
    try:
        intent = await gateway.cancel(
            session, payment.intent_id, idempotency_key=_key("cancel", payment.intent_id)
        )
    except GatewayUnavailable as exc:
        raise _unavailable(exc) from None
    except GatewayError as exc:
        raise Conflict("The payment provider refused the void.", code="refund_rejected") from exc
    _append(
        session,
        payment,
        kind="void",
        reference=intent.id,
        amount=payment.amount_authorized,
        status=intent.status,
    )
    payment.status = "canceled"
    await session.flush()
    await publish(
        session,
        PaymentRefunded(
            order_id=payment.order_id,
            amount=payment.amount_authorized,
            provider=payment.provider,
            reference=f"void:{intent.id}",
        ),
    )


async def capture_order_payment(
    session: AsyncSession, container: PaymentsPorts, *, order_id: uuid.UUID
) -> None:
    """Capture an authorised payment (manual-capture mode); a no-op when already captured."""
    payment = await _payment_for_order(session, order_id)
    if payment is None:
        raise NotFound("This order has no payment.", code="payment_not_found")
    if payment.amount_captured > 0:
        return
    if payment.status != "requires_capture":
        raise Conflict(
            f"The payment cannot be captured (it is {payment.status}).",
            code="payment_not_capturable",
        )
    gateway = container.payment_gateways.get(payment.provider)
    try:
        intent = await gateway.capture(
            session, payment.intent_id, amount=None, idempotency_key=_key("capture", payment.id)
        )
    except GatewayUnavailable as exc:
        raise _unavailable(exc) from None
    except GatewayError as exc:
        raise Conflict(
            "The payment provider refused the capture.", code="capture_rejected"
        ) from exc
    await _apply_intent(session, gateway, payment, intent, raw_event_id=None)


async def cancel_order_payment(
    session: AsyncSession, container: PaymentsPorts, *, order_id: uuid.UUID
) -> None:
    """Void an uncaptured intent (order cancelled or expired); a no-op if nothing to void.

    The caller owns the order's state change: no order effect is applied here. If the provider
    says the payment already went through, Conflict `payment_in_progress` aborts the caller's
    transaction; the webhook (or reconciliation) then marks the order paid.
    """
    payment = await _payment_for_order(session, order_id)
    if payment is None or payment.status == "canceled":
        return
    if payment.amount_captured > 0:
        raise Conflict(
            "The payment was already captured; refund it instead.",
            code="payment_already_captured",
        )
    gateway = container.payment_gateways.get(payment.provider)
    intent = await _cancel_at_provider(session, gateway, payment.intent_id)
    if intent.status != "canceled":
        raise Conflict(
            f"The payment is {intent.status} at the provider and cannot be voided.",
            code="payment_in_progress",
        )
    _append(
        session,
        payment,
        kind="void",
        reference=intent.id,
        amount=payment.amount_authorized or payment.amount,
        status="canceled",
    )
    payment.status = "canceled"
    await session.flush()
    log.info("payment_voided", order_id=str(order_id), intent_id=intent.id)


# --------------------------------------------------------------------------- convergence


def _refund_status(payment: Payment) -> str | None:
    if payment.amount_refunded <= 0:
        return None
    return (
        "refunded" if payment.amount_refunded >= payment.amount_captured else "partially_refunded"
    )


async def _apply_intent(
    session: AsyncSession,
    gateway: PaymentGateway,
    payment: Payment,
    intent: Intent,
    *,
    raw_event_id: str | None,
) -> bool:
    """Bring `payment` (locked by the caller) and its order in line with the provider's intent.

    Each effect happens once: it is keyed on what the ledger already holds. Returns True when
    anything changed. A failed attempt leaves the intent confirmable and the order pending
    (ADR 18); only a success, a void or the unpaid TTL ends the order's payment.
    """
    changed = False
    authorized_now = False
    if intent.status in ("requires_capture", "succeeded") and payment.amount_authorized == 0:
        payment.amount_authorized = max(intent.amount_capturable, intent.amount_received) or (
            intent.amount
        )
        _append(
            session,
            payment,
            kind="authorization",
            reference=intent.id,
            amount=payment.amount_authorized,
            status="succeeded",
            raw_event_id=raw_event_id,
        )
        authorized_now = changed = True
    if intent.amount_received > payment.amount_captured:
        _append(
            session,
            payment,
            kind="capture",
            reference=intent.latest_charge or intent.id,
            amount=intent.amount_received - payment.amount_captured,
            status="succeeded",
            raw_event_id=raw_event_id,
        )
        payment.amount_captured = intent.amount_received
        changed = True
    known = set(
        await session.scalars(
            select(PaymentTransaction.reference).where(
                PaymentTransaction.payment_id == payment.id, PaymentTransaction.kind == "refund"
            )
        )
    )
    new_refunds = [
        r for r in intent.refunds if r.id not in known and r.status in ("succeeded", "pending")
    ]
    for refund in new_refunds:
        _append(
            session,
            payment,
            kind="refund",
            reference=refund.id,
            amount=refund.amount,
            status=refund.status,
            raw_event_id=raw_event_id,
        )
        payment.amount_refunded = min(
            payment.amount_captured, payment.amount_refunded + refund.amount
        )
        changed = True

    failed_now = False
    previous = payment.status
    if payment.amount_authorized == 0 and intent.failed:
        if await _is_new_failure(session, payment, intent):
            _append(
                session,
                payment,
                kind="failure",
                reference=intent.last_error_attempt or intent.id,
                amount=payment.amount,
                status=intent.last_error_code or intent.status,
                raw_event_id=raw_event_id,
            )
            failed_now = changed = True
        payment.status = intent.status
        changed = changed or payment.status != previous
    elif payment.amount_authorized == 0 and intent.status == "canceled":
        if previous != "canceled":  # voided at the provider, not by us: the shopper may renew
            failed_now = changed = True
            _append(
                session,
                payment,
                kind="void",
                reference=intent.id,
                amount=payment.amount,
                status="canceled",
                raw_event_id=raw_event_id,
            )
            payment.status = "canceled"
    elif intent.status == "canceled" and payment.amount_captured == 0:
        if previous != "canceled":  # an authorisation voided
            _append(
                session,
                payment,
                kind="void",
                reference=intent.id,
                amount=payment.amount_authorized,
                status="canceled",
                raw_event_id=raw_event_id,
            )
            payment.status = "canceled"
            changed = True
    else:
        payment.status = _refund_status(payment) or intent.status
        changed = changed or payment.status != previous
    await session.flush()

    if authorized_now:
        await publish(
            session,
            PaymentSucceeded(
                order_id=payment.order_id,
                amount=payment.amount_authorized,
                provider=payment.provider,
                reference=intent.id,
            ),
        )
        # too late: the order was cancelled and could not take the payment
        if await order_gate().status(session, payment.order_id) == "cancelled":
            await _compensate(session, gateway, payment)
    for refund in new_refunds:
        await publish(
            session,
            PaymentRefunded(
                order_id=payment.order_id,
                amount=refund.amount,
                provider=payment.provider,
                reference=refund.id,
            ),
        )
    if failed_now:
        await publish(
            session,
            PaymentFailed(
                order_id=payment.order_id,
                reason=intent.last_error_code or intent.status,
                provider=payment.provider,
            ),
        )
    if changed:
        log.info(
            "payment_synced",
            order_id=str(payment.order_id),
            intent_id=intent.id,
            status=payment.status,
            event_id=raw_event_id,
        )
    return changed


async def _is_new_failure(session: AsyncSession, payment: Payment, intent: Intent) -> bool:
    """One ledger `failure` per failed attempt, whichever event (or reconciliation) sees it
    first: keyed on the provider's attempt id (the declined charge), or, when the provider
    gives none, on the latest recorded attempt not being this intent's failure already."""
    if intent.last_error_attempt is not None:
        seen = await session.scalar(
            select(PaymentTransaction.id).where(
                PaymentTransaction.payment_id == payment.id,
                PaymentTransaction.kind == "failure",
                PaymentTransaction.reference == intent.last_error_attempt,
            )
        )
        return seen is None
    latest = await _latest_attempt(session, payment)
    return latest is None or latest.kind != "failure" or latest.reference != intent.id


async def _compensate(session: AsyncSession, gateway: PaymentGateway, payment: Payment) -> None:
    """Give the money back for an order that could not accept a late payment."""
    outstanding = payment.amount_captured - payment.amount_refunded
    if outstanding > 0:
        refund = await gateway.refund(
            session,
            payment.intent_id,
            amount=outstanding,
            idempotency_key=_key("compensate", payment.id),
            reason="order_cancelled",
        )
        _append(
            session,
            payment,
            kind="refund",
            reference=refund.id,
            amount=outstanding,
            status=refund.status,
        )
        payment.amount_refunded += outstanding
        payment.status = "refunded"
        await session.flush()
        await publish(
            session,
            PaymentRefunded(
                order_id=payment.order_id,
                amount=outstanding,
                provider=payment.provider,
                reference=refund.id,
            ),
        )
    elif payment.status == "requires_capture":
        await gateway.cancel(
            session, payment.intent_id, idempotency_key=_key("cancel", payment.intent_id)
        )
        _append(
            session,
            payment,
            kind="void",
            reference=payment.intent_id,
            amount=payment.amount_authorized,
            status="canceled",
        )
        payment.status = "canceled"
        await session.flush()
        await publish(
            session,
            PaymentRefunded(
                order_id=payment.order_id,
                amount=payment.amount_authorized,
                provider=payment.provider,
                reference=f"void:{payment.intent_id}",
            ),
        )
    log.warning(
        "late_payment_returned", order_id=str(payment.order_id), intent_id=payment.intent_id
    )
    await session.flush()


# --------------------------------------------------------------------------- webhooks


async def _record_event(session: AsyncSession, provider: str, event: WebhookEvent) -> bool:
    """Insert the de-duplication row; False when this event id was already recorded."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(PaymentEvent)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(PaymentEvent)
    statement = (
        statement.values(
            id=uuid.uuid4(),
            provider=provider,
            event_id=event.id,
            event_type=event.type,
            intent_id=event.intent_id,
            outcome="received",
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(PaymentEvent.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    return inserted is not None


async def _set_event_outcome(
    session: AsyncSession, provider: str, event_id: str, outcome: str
) -> None:
    await session.execute(
        update(PaymentEvent)
        .where(PaymentEvent.provider == provider, PaymentEvent.event_id == event_id)
        .values(outcome=outcome)
    )


async def handle_webhook(
    container: PaymentsPorts, provider: str, raw_body: bytes, headers: Mapping[str, str]
) -> WebhookOutcome:
    """Verify, then in ONE transaction: de-duplicate by event id and apply the effect."""
    gateway = container.payment_gateways.get(provider)
    try:
        event = gateway.parse_and_verify_webhook(raw_body, headers)
    except WebhookRejected as exc:
        log.warning("webhook_rejected", provider=provider, reason=str(exc))
        WEBHOOKS.labels(provider, "rejected").inc()
        raise WebhookInvalid("The webhook could not be verified.") from None
    outcome = await _handle_verified(container, gateway, provider, event)
    WEBHOOKS.labels(provider, outcome.outcome).inc()
    return outcome


async def _handle_verified(
    container: PaymentsPorts, gateway: PaymentGateway, provider: str, event: WebhookEvent
) -> WebhookOutcome:
    async with container.db.session() as session:
        if not await _record_event(session, provider, event):
            previous = await session.scalar(
                select(PaymentEvent.outcome).where(
                    PaymentEvent.provider == provider, PaymentEvent.event_id == event.id
                )
            )
            if previous != "unmatched":
                return WebhookOutcome(event.id, "duplicate")
        payment = None
        if event.intent_id is not None:
            payment_id = await session.scalar(
                select(Payment.id).where(
                    Payment.provider == provider, Payment.intent_id == event.intent_id
                )
            )
            if payment_id is None:  # an intent the order had before `renew_payment` voided it
                payment_id = await session.scalar(
                    select(PaymentTransaction.payment_id)
                    .where(
                        PaymentTransaction.provider == provider,
                        PaymentTransaction.kind == "void",
                        PaymentTransaction.reference == event.intent_id,
                    )
                    .limit(1)
                )
            if payment_id is not None:
                payment = await _lock_order_then_payment(session, payment_id)
        if payment is None:
            # Unknown intent (e.g. the webhook beat the checkout's commit): keep the event and
            # answer 200; a redelivery or the reconciliation job converges the state later.
            outcome = "unmatched" if event.intent_id else "ignored"
            await _set_event_outcome(session, provider, event.id, outcome)
            log.info("webhook_unmatched", provider=provider, event_id=event.id, type=event.type)
            return WebhookOutcome(event.id, outcome)
        _append(
            session,
            payment,
            kind="webhook",
            reference=payment.intent_id,
            amount=0,
            status=event.type,
            raw_event_id=event.id,
        )
        try:
            intent = await gateway.retrieve_intent(session, payment.intent_id)
        except GatewayUnavailable as exc:
            raise _unavailable(exc) from None  # rolled back: the provider will retry
        except GatewayError as exc:
            raise Conflict("The provider could not confirm this event.", code=exc.code) from None
        await _apply_intent(session, gateway, payment, intent, raw_event_id=event.id)
        await _set_event_outcome(session, provider, event.id, "processed")
    return WebhookOutcome(event.id, "processed")


# --------------------------------------------------------------------------- reconciliation


async def reconcile_pending_payments(container: PaymentsPorts) -> int:
    """Ask the provider about payments whose order is still pending after the grace period
    (missed or unmatched webhooks). Returns how many payments changed."""
    await deliver_sandbox_events(container)
    minutes = container.settings.payments.reconcile_after_minutes
    cutoff = utcnow() - timedelta(minutes=minutes)
    async with container.db.session(write=False) as session:
        candidates = list(
            await session.scalars(
                select(Payment.id)
                .where(Payment.status.in_(OPEN_STATUSES), Payment.created_at <= cutoff)
                .order_by(Payment.created_at)
                .limit(500)
            )
        )
    changed = 0
    for payment_id in candidates:
        try:
            async with container.db.session() as session:
                payment = await _lock_order_then_payment(session, payment_id)
                if payment is None or payment.status not in OPEN_STATUSES:
                    continue
                if not container.payment_gateways.has(payment.provider):
                    continue
                if await order_gate().status(session, payment.order_id) != "pending_payment":
                    continue
                gateway = container.payment_gateways.get(payment.provider)
                intent = await gateway.retrieve_intent(session, payment.intent_id)
                if await _apply_intent(session, gateway, payment, intent, raw_event_id=None):
                    changed += 1
        except GatewayUnavailable:
            log.warning("reconcile_provider_unavailable", payment_id=str(payment_id))
            break
        except (GatewayError, DomainError) as exc:
            log.warning("reconcile_failed", payment_id=str(payment_id), error=str(exc))
    if changed:
        log.info("payments_reconciled", changed=changed)
    return changed


# --------------------------------------------------------------------------- sandbox


def _sandbox(container: PaymentsPorts) -> SandboxGateway:
    registry = container.payment_gateways
    gateway = registry.gateways.get("sandbox")
    if not isinstance(gateway, SandboxGateway):
        raise NotFound("The sandbox payment provider is not enabled.")
    return gateway


async def confirm_sandbox_payment(
    container: PaymentsPorts,
    intent_id: str,
    *,
    client_secret: str,
    card_number: str,
    exp_month: int,
    exp_year: int,
    cvc: str,
) -> SandboxConfirmResult:
    """The shopper confirms with a test card; then the signed event is delivered in-process."""
    gateway = _sandbox(container)
    card = check_card(card_number, exp_month, exp_year, cvc, today=date.today())
    async with container.db.session() as session:
        payment = await session.scalar(
            select(Payment).where(Payment.provider == "sandbox", Payment.intent_id == intent_id)
        )
        if payment is None:
            raise NotFound("No such payment.")
        confirmation = await gateway.confirm(
            session, intent_id, client_secret=client_secret, card=card
        )
    log.info("sandbox_payment_confirmed", intent_id=intent_id, status=confirmation.status)
    await deliver_sandbox_events(container, intent_id=intent_id)
    next_action = None
    if confirmation.challenge_token is not None:
        next_action = {
            "type": "sandbox_challenge",
            "url": container.settings.public_base_url.rstrip("/")
            + challenge_path(intent_id, confirmation.challenge_token),
        }
    return SandboxConfirmResult(status=confirmation.status, next_action=next_action)


def challenge_path(intent_id: str, token: str) -> str:
    return f"/api/v1/payments/sandbox/intents/{intent_id}/challenge?token={token}"


async def check_sandbox_challenge(container: PaymentsPorts, intent_id: str, token: str) -> None:
    gateway = _sandbox(container)
    async with container.db.session(write=False) as session:
        await gateway.check_challenge(session, intent_id, token)


async def resolve_sandbox_challenge(
    container: PaymentsPorts, intent_id: str, *, token: str, approve: bool
) -> SandboxConfirmResult:
    gateway = _sandbox(container)
    async with container.db.session() as session:
        confirmation = await gateway.resolve_challenge(
            session, intent_id, token=token, approve=approve
        )
    log.info("sandbox_challenge_resolved", intent_id=intent_id, approved=approve)
    await deliver_sandbox_events(container, intent_id=intent_id)
    return SandboxConfirmResult(status=confirmation.status)


async def deliver_sandbox_events(container: PaymentsPorts, *, intent_id: str | None = None) -> int:
    """Sign and deliver pending sandbox events through the webhook path; returns how many.

    Called right after the shopper's confirmation commits, by reconciliation and by
    `mercato payments deliver-sandbox-events`. An event whose delivery fails stays pending.
    """
    if not container.payment_gateways.has("sandbox"):
        return 0
    secret = container.settings.payments.webhook_secret.get_secret_value()
    query = select(SandboxEvent).where(SandboxEvent.delivered_at.is_(None))
    if intent_id is not None:
        query = query.where(SandboxEvent.intent_id == intent_id)
    async with container.db.session(write=False) as session:
        pending = list(
            await session.scalars(
                query.order_by(SandboxEvent.created_at, SandboxEvent.id).limit(500)
            )
        )
    delivered = 0
    for event in pending:
        body = event_body(event)
        headers = {"Stripe-Signature": signing.sign(body, secret)}
        try:
            await handle_webhook(container, "sandbox", body, headers)
            async with container.db.session() as session:
                await session.execute(
                    update(SandboxEvent)
                    .where(SandboxEvent.id == event.id, SandboxEvent.delivered_at.is_(None))
                    .values(delivered_at=utcnow())
                )
        except (DomainError, DBAPIError) as exc:
            # e.g. SQLite busy: the shopper's confirmation already committed; the event stays
            # pending and the next sweep delivers it (duplicates are harmless).
            log.warning(
                "sandbox_event_delivery_failed", event_id=event.id, error=type(exc).__name__
            )
            continue
        delivered += 1
    return delivered
