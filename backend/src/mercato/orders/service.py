"""Orders: human-friendly numbers, the state machine with its audit history, payment outcomes
(called by the payments module), customer and admin actions, and the unpaid-order expiry job.

Every change locks the order row first (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite write
transactions are serialised), re-checks the status, then changes it, so concurrent webhooks,
expiry and admin actions apply at most once. The `apply_*` functions are idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.accounts import hooks as account_hooks
from mercato.discounts import service as discounts
from mercato.inventory import service as inventory
from mercato.notifications.wording import payment_failure
from mercato.orders.models import (
    ORDER_NUMBER_SEQUENCE,
    PAID_STATUSES,
    Order,
    OrderEvent,
    OrderLine,
    OrderNumberCounter,
    OrderRefund,
    can_transition,
)
from mercato.orders.schemas import (
    AdminOrderRead,
    LedgerEntryRead,
    OrderEventRead,
    OrderLineRead,
    OrderRead,
    PaymentSummaryRead,
)
from mercato.payments import service as payments
from mercato.payments.events import PaymentFailed, PaymentRefunded, PaymentSucceeded
from mercato.platform.clock import utcnow
from mercato.platform.config import Settings
from mercato.platform.crypto import Signer
from mercato.platform.db import insert_new
from mercato.platform.errors import Conflict, NotFound, ValidationFailed
from mercato.platform.ids import new_id
from mercato.platform.metrics import PAYMENT_FAILURES, count_after_commit, failure_reason
from mercato.platform.money import Money
from mercato.platform.outbox import record_event
from mercato.platform.pagination import newest_first

if TYPE_CHECKING:
    from mercato.orders.ports import OrdersPorts
    from mercato.payments.service import PaymentStart

log = structlog.get_logger("mercato.orders")

COUNTER_NAME = "order"
FULFILLABLE = frozenset({"paid", "partially_fulfilled", "partially_refunded"})


# --------------------------------------------------------------------------- contract types


@dataclass(frozen=True)
class OrderPaymentInfo:
    order_id: uuid.UUID
    order_number: str
    status: str
    total: int
    currency: str
    email: str
    customer_id: uuid.UUID | None


@dataclass(frozen=True)
class OrderLineDraft:
    sku: str
    product_id: uuid.UUID | None
    variant_id: uuid.UUID | None
    product_title: str
    variant_title: str
    quantity: int
    unit_price: int
    subtotal: int
    discount_amount: int
    tax_rate_bp: int
    tax_amount: int
    total: int


@dataclass(frozen=True)
class OrderDraft:
    """Everything checkout computed; `create_order` turns it into a pending_payment order."""

    id: uuid.UUID
    customer_id: uuid.UUID | None
    email: str
    customer_name: str
    cart_id: uuid.UUID | None
    currency: str
    subtotal: int
    discount_total: int
    shipping_total: int
    tax_total: int
    total: int
    prices_include_tax: bool
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any]
    shipping_method: dict[str, Any]
    discount_code: str | None
    customer_note: str | None
    retry_url: str | None
    lines: Sequence[OrderLineDraft]


# --------------------------------------------------------------------------- guest tokens


def _signer(settings: Settings) -> Signer:
    return Signer(settings.secret_key.get_secret_value(), "order-access")


def order_token(settings: Settings, order_id: uuid.UUID) -> str:
    """The signed token that lets a guest read their order (sent only in the confirmation)."""
    return _signer(settings).sign(str(order_id))


def verify_order_token(settings: Settings, order_id: uuid.UUID, token: str | None) -> bool:
    return bool(token) and _signer(settings).verify(str(order_id), token or "")


def guest_order_url(settings: Settings, order_id: uuid.UUID) -> str:
    base = settings.storefront_url.rstrip("/")
    return f"{base}/orders/{order_id}?token={order_token(settings, order_id)}"


# --------------------------------------------------------------------------- creation


async def next_order_number(session: AsyncSession, settings: Settings) -> str:
    """The next order number: a sequence on PostgreSQL (no lock), a counter row on SQLite.

    Pending objects are not flushed first: the number depends on none of them, and they then
    go in the commit's one flush (with checkout's other outbox rows, in one INSERT)."""
    with session.no_autoflush:
        if session.get_bind().dialect.name == "postgresql":
            value = await _next_from_sequence(session, settings.orders.number_start)
        else:
            value = await _next_from_counter(session, settings.orders.number_start)
    return f"{settings.orders.number_prefix}{value}"


async def _next_from_sequence(session: AsyncSession, start: int) -> int:
    value = int(await session.scalar(text(f"SELECT nextval('{ORDER_NUMBER_SEQUENCE}')")) or 0)
    if value >= start:
        return value
    # The shop's first orders (or MERCATO_ORDERS__NUMBER_START raised above the sequence): move
    # the sequence up to the start once. The advisory lock (held to commit) makes the move
    # happen once; a checkout that already got a number >= start never comes here.
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": ORDER_NUMBER_SEQUENCE}
    )
    seq = ORDER_NUMBER_SEQUENCE
    return int(
        await session.scalar(
            text(
                f"SELECT CASE WHEN last_value < :start THEN setval('{seq}', :start) "
                f"ELSE nextval('{seq}') END FROM {seq}"
            ),
            {"start": start},
        )
        or 0
    )


async def _next_from_counter(session: AsyncSession, start: int) -> int:
    """UPDATE ... RETURNING on the counter row (the row is created by the first order); a start
    raised above the counter moves it up (SQLite's two-argument max is its GREATEST)."""
    bump = (
        update(OrderNumberCounter)
        .where(OrderNumberCounter.name == COUNTER_NAME)
        .values(value=func.max(OrderNumberCounter.value + 1, start))
        .returning(OrderNumberCounter.value)
        .execution_options(synchronize_session=False)
    )
    value = (await session.execute(bump)).scalar_one_or_none()
    if value is not None:
        return int(value)
    try:
        async with session.begin_nested():
            session.add(OrderNumberCounter(name=COUNTER_NAME, value=start))
        return start
    except IntegrityError:  # another transaction created the row first
        return int((await session.execute(bump)).scalar_one())


def _history(
    session: AsyncSession,
    order: Order,
    kind: str,
    *,
    actor: str,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        OrderEvent(
            order_id=order.id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            note=note,
            data=data or {},
            created_at=utcnow(),
        )
    )


def _transition(
    session: AsyncSession,
    order: Order,
    target: str,
    *,
    actor: str,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    if not can_transition(order.status, target):
        raise Conflict(
            f"An order cannot go from {order.status} to {target}.",
            code="invalid_transition",
            extra={"from": order.status, "to": target},
        )
    _history(
        session,
        order,
        "status",
        actor=actor,
        from_status=order.status,
        to_status=target,
        note=note,
        data=data,
    )
    order.status = target
    order.updated_at = utcnow()


async def create_order(session: AsyncSession, settings: Settings, draft: OrderDraft) -> Order:
    """The order, its lines and its first history entry, written with plain INSERTs (ORM's
    unit of work skipped: `insert_new`). The returned Order is not in the session: read it, or
    load it (`lock_order`) to change it."""
    now = utcnow()
    order = Order(
        id=draft.id,
        number=await next_order_number(session, settings),
        customer_id=draft.customer_id,
        email=draft.email,
        customer_name=draft.customer_name,
        status="pending_payment",
        cart_id=draft.cart_id,
        currency=draft.currency,
        subtotal=draft.subtotal,
        discount_total=draft.discount_total,
        shipping_total=draft.shipping_total,
        tax_total=draft.tax_total,
        total=draft.total,
        prices_include_tax=draft.prices_include_tax,
        shipping_address=draft.shipping_address,
        billing_address=draft.billing_address,
        shipping_method=draft.shipping_method,
        discount_code=draft.discount_code,
        customer_note=draft.customer_note,
        retry_url=draft.retry_url,
        amount_paid=0,
        amount_refunded=0,
        created_at=now,
        updated_at=now,
        lines=[
            OrderLine(
                id=new_id(),
                order_id=draft.id,
                position=i,
                sku=line.sku,
                product_id=line.product_id,
                variant_id=line.variant_id,
                product_title=line.product_title,
                variant_title=line.variant_title,
                quantity=line.quantity,
                unit_price=line.unit_price,
                subtotal=line.subtotal,
                discount_amount=line.discount_amount,
                tax_rate_bp=line.tax_rate_bp,
                tax_amount=line.tax_amount,
                total=line.total,
                quantity_fulfilled=0,
            )
            for i, line in enumerate(draft.lines)
        ],
    )
    placed = OrderEvent(
        id=new_id(),
        order_id=order.id,
        kind="status",
        to_status="pending_payment",
        actor="checkout",
        created_at=now,
    )
    await insert_new(session, order, *order.lines, placed)
    return order


def stock_items(order: Order) -> dict[str, int]:
    items: dict[str, int] = {}
    for line in order.lines:
        items[line.sku] = items.get(line.sku, 0) + line.quantity
    return items


def stock_reference(order: Order) -> str:
    return f"order:{order.id}"


# --------------------------------------------------------------------------- loading


async def lock_order(session: AsyncSession, order_id: uuid.UUID) -> Order:
    stmt = (
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    order = (await session.execute(stmt)).scalar_one_or_none()
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


async def get_order(session: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await session.get(Order, order_id)
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


async def get_order_for_customer(
    session: AsyncSession,
    settings: Settings,
    order_id: uuid.UUID,
    *,
    customer_id: uuid.UUID | None,
    token: str | None,
) -> Order:
    """The owner's order, or a guest's with the signed token; 404 for everyone else."""
    order = await session.get(Order, order_id)
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    if customer_id is not None and order.customer_id == customer_id:
        return order
    if verify_order_token(settings, order.id, token):
        return order
    raise NotFound("No such order.", code="order_not_found")


async def get_order_payment_info(session: AsyncSession, order_id: uuid.UUID) -> OrderPaymentInfo:
    order = await get_order(session, order_id)
    return OrderPaymentInfo(
        order_id=order.id,
        order_number=order.number,
        status=order.status,
        total=order.total,
        currency=order.currency,
        email=order.email,
        customer_id=order.customer_id,
    )


async def list_orders(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None = None,
    status: str | None = None,
    email: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    total_min: int | None = None,
    total_max: int | None = None,
    number: str | None = None,
    awaiting_fulfilment: bool = False,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[Order], str | None]:
    """Newest first, keyset-paginated on (created_at, id)."""
    stmt = select(Order)
    if awaiting_fulfilment:
        stmt = stmt.where(_awaiting_fulfilment())
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if total_min is not None:
        stmt = stmt.where(Order.total >= total_min)
    if total_max is not None:
        stmt = stmt.where(Order.total <= total_max)
    if number:
        stmt = stmt.where(Order.number == number.strip().upper())
    if status:
        stmt = stmt.where(Order.status == status)
    if email:
        stmt = stmt.where(Order.email == email.strip().lower())
    if created_from is not None:
        stmt = stmt.where(Order.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(Order.created_at < created_to)
    return await newest_first(session, stmt, Order.created_at, Order.id, limit=limit, cursor=cursor)


async def history(session: AsyncSession, order_id: uuid.UUID) -> list[OrderEvent]:
    rows = await session.scalars(
        select(OrderEvent)
        .where(OrderEvent.order_id == order_id)
        .order_by(OrderEvent.created_at, OrderEvent.id)
    )
    return list(rows.all())


# --------------------------------------------------------------------------- read models


def _money(amount: int, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


async def payment_summary(session: AsyncSession, order: Order) -> PaymentSummaryRead | None:

    summary = await payments.get_payment_summary(session, order.id)
    if summary is None:
        return None
    return PaymentSummaryRead(
        provider=summary.provider,
        intent_id=summary.intent_id,
        status=summary.status,
        amount_authorized=_money(summary.amount_authorized, summary.currency),
        amount_captured=_money(summary.amount_captured, summary.currency),
        amount_refunded=_money(summary.amount_refunded, summary.currency),
        last_error_code=summary.last_error_code,
        failure_message=(
            payment_failure(summary.last_error_code) if summary.last_error_code else None
        ),
        failed_attempts=summary.failed_attempts,
    )


def _read_fields(order: Order) -> dict[str, Any]:
    cur = order.currency
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "customer_name": order.customer_name,
        "currency": cur,
        "lines": [
            OrderLineRead(
                id=line.id,
                sku=line.sku,
                product_title=line.product_title,
                variant_title=line.variant_title,
                quantity=line.quantity,
                quantity_fulfilled=line.quantity_fulfilled,
                unit_price=_money(line.unit_price, cur),
                subtotal=_money(line.subtotal, cur),
                discount=_money(line.discount_amount, cur),
                tax=_money(line.tax_amount, cur),
                tax_rate_bp=line.tax_rate_bp,
                total=_money(line.total, cur),
            )
            for line in order.lines
        ],
        "subtotal": _money(order.subtotal, cur),
        "discount_total": _money(order.discount_total, cur),
        "shipping_total": _money(order.shipping_total, cur),
        "tax_total": _money(order.tax_total, cur),
        "total": _money(order.total, cur),
        "amount_paid": _money(order.amount_paid, cur),
        "amount_refunded": _money(order.amount_refunded, cur),
        "prices_include_tax": order.prices_include_tax,
        "shipping_address": order.shipping_address,
        "billing_address": order.billing_address,
        "shipping_method": order.shipping_method,
        "discount_code": order.discount_code,
        "customer_note": order.customer_note,
        "cancel_reason": order.cancel_reason,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "cancelled_at": order.cancelled_at,
    }


def to_read(order: Order, payment: PaymentSummaryRead | None = None) -> OrderRead:
    return OrderRead(**_read_fields(order), payment=payment)


async def to_admin_read(session: AsyncSession, order: Order) -> AdminOrderRead:

    events = await history(session, order.id)
    return AdminOrderRead(
        **_read_fields(order),
        payment=await payment_summary(session, order),
        customer_id=order.customer_id,
        transactions=[
            LedgerEntryRead(
                id=t.id,
                provider=t.provider,
                kind=t.kind,
                reference=t.reference,
                amount=_money(t.amount, t.currency),
                status=t.status,
                created_at=t.created_at,
            )
            for t in await payments.ledger(session, order.id)
        ],
        history=[
            OrderEventRead(
                id=e.id,
                kind=e.kind,
                from_status=e.from_status,
                to_status=e.to_status,
                actor=e.actor,
                note=e.note,
                data=e.data,
                created_at=e.created_at,
            )
            for e in events
        ],
    )


# --------------------------------------------------------------------------- payment outcomes


async def _release_reservation(session: AsyncSession, order: Order, *, actor: str) -> None:
    await inventory.release(
        session, stock_items(order), reference=stock_reference(order), actor=actor
    )
    await discounts.release_discount(session, order_id=order.id)


async def _cancel_pending(
    session: AsyncSession, order: Order, *, reason: str, actor: str, note: str | None = None
) -> None:
    """pending_payment -> cancelled: the reservation and the discount use are given back."""
    _transition(session, order, "cancelled", actor=actor, note=note, data={"reason": reason})
    await _release_reservation(session, order, actor=actor)
    order.cancel_reason = reason
    order.cancelled_at = utcnow()


async def mark_paid(
    session: AsyncSession,
    order: Order,
    *,
    amount: int,
    provider: str,
    reference: str,
) -> None:
    """Commit the reserved stock (the sale is final) and move the order to paid."""
    actor = f"payment:{provider}"
    await inventory.commit(
        session, stock_items(order), reference=stock_reference(order), actor=actor
    )
    note = (
        None if amount == order.total else f"Amount paid {amount} differs from total {order.total}."
    )
    _transition(
        session,
        order,
        "paid",
        actor=actor,
        note=note,
        data={"amount": amount, "provider": provider, "reference": reference},
    )
    order.amount_paid = amount
    order.paid_at = utcnow()
    record_event(
        session,
        "PaymentSucceeded",
        {
            "order_id": str(order.id),
            "order_number": order.number,
            "email": order.email,
            "amount": amount,
            "currency": order.currency,
            "provider": provider,
            "order_url": order.retry_url,
        },
    )


async def apply_payment_succeeded(
    session: AsyncSession,
    *,
    order_id: uuid.UUID,
    amount: int,
    provider: str,
    reference: str,
) -> None:
    """pending_payment -> paid (idempotent).

    A cancelled order (expired at the TTL, or cancelled by the shopper or staff) is never
    resurrected (ADR 18): the money is recorded as received and a `needs_refund` note is left;
    the payments module sees `status == "cancelled"` with `amount_paid > 0` and gives it back.
    """
    order = await lock_order(session, order_id)
    if order.status in PAID_STATUSES:
        return
    if order.status == "cancelled":
        if order.amount_paid > 0:
            return  # already recorded as a late payment
        order.amount_paid = amount
        order.updated_at = utcnow()
        _history(
            session,
            order,
            "payment",
            actor=f"payment:{provider}",
            note="Payment received after the order was cancelled: it is returned.",
            data={
                "needs_refund": True,
                "amount": amount,
                "provider": provider,
                "reference": reference,
            },
        )
        log.warning("late_payment_needs_refund", order_id=str(order.id))
        return
    await mark_paid(session, order, amount=amount, provider=provider, reference=reference)


async def apply_payment_failed(
    session: AsyncSession, *, order_id: uuid.UUID, reason: str, provider: str | None = None
) -> None:
    """A payment attempt failed: the order stays pending_payment with its stock reserved, so the
    shopper can retry on the same order until the unpaid TTL (ADR 18).

    Each call records one `payment_failed` history event (the payments module calls it once per
    failed attempt); `PaymentFailed` (the email with the link back to the order) is recorded for
    the first failure of an order only. A no-op once the order left pending_payment.
    """
    order = await lock_order(session, order_id)
    if order.status != "pending_payment":
        return
    earlier = await session.scalar(
        select(func.count(OrderEvent.id)).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "payment_failed"
        )
    )
    attempt = int(earlier or 0) + 1
    _history(
        session,
        order,
        "payment_failed",
        actor=f"payment:{provider}" if provider else "payment",
        note=reason,
        data={"reason": reason, "attempt": attempt},
    )
    order.updated_at = utcnow()
    count_after_commit(session, PAYMENT_FAILURES.labels(failure_reason(reason)))
    if attempt == 1:
        record_event(
            session,
            "PaymentFailed",
            {
                "order_id": str(order.id),
                "order_number": order.number,
                "email": order.email,
                "reason": reason,
                "retry_url": order.retry_url,
            },
        )
    await session.flush()


async def apply_refund(
    session: AsyncSession,
    *,
    order_id: uuid.UUID,
    amount: int,
    provider: str,
    reference: str,
) -> None:
    """Record a refund (idempotent per reference): -> partially_refunded or refunded."""
    order = await lock_order(session, order_id)
    seen = await session.scalar(
        select(OrderRefund.id).where(
            OrderRefund.provider == provider, OrderRefund.reference == reference
        )
    )
    if seen is not None:
        return
    if amount <= 0:
        raise ValidationFailed("A refund must be positive.", code="invalid_amount")
    if order.amount_refunded + amount > order.amount_paid:
        raise Conflict(
            "A refund cannot exceed what was captured.",
            code="refund_exceeds_captured",
            extra={"refundable": order.amount_paid - order.amount_refunded},
        )
    session.add(
        OrderRefund(
            order_id=order.id,
            provider=provider,
            reference=reference,
            amount=amount,
            created_at=utcnow(),
        )
    )
    order.amount_refunded += amount
    fully = order.amount_refunded >= order.amount_paid
    data = {"amount": amount, "provider": provider, "reference": reference}
    if order.status == "cancelled":
        _history(session, order, "refund", actor=f"payment:{provider}", data=data)
        order.updated_at = utcnow()
    else:
        target = "refunded" if fully else "partially_refunded"
        _transition(session, order, target, actor=f"payment:{provider}", data=data)
    record_event(
        session,
        "RefundIssued",
        {
            "order_id": str(order.id),
            "order_number": order.number,
            "email": order.email,
            "amount": amount,
            "currency": order.currency,
            "fully_refunded": fully,
        },
    )
    await session.flush()


# --------------------------------------------------------------------------- actions


def _cancelled_event(session: AsyncSession, order: Order, reason: str) -> None:
    record_event(
        session,
        "OrderCancelled",
        {
            "order_id": str(order.id),
            "order_number": order.number,
            "email": order.email,
            "reason": reason,
        },
    )


async def cancel_order(
    session: AsyncSession,
    container: OrdersPorts,
    order_id: uuid.UUID,
    *,
    actor: str,
    reason: str,
    allow_paid: bool = False,
) -> Order:
    """Cancel an unpaid order (void the payment, release the stock).

    With `allow_paid` (admins), a paid order that has not been fulfilled is refunded in full
    and its committed stock is put back on hand.
    """

    order = await lock_order(session, order_id)
    if order.status == "pending_payment":
        await payments.cancel_order_payment(session, container, order_id=order.id)
        await _cancel_pending(session, order, reason=reason, actor=actor)
    elif (
        allow_paid
        and order.status == "paid"
        and not any(line.quantity_fulfilled for line in order.lines)
    ):
        await payments.refund_order_payment(
            session, container, order_id=order.id, amount=None, reason=reason
        )
        order = await lock_order(session, order_id)
        for sku, qty in stock_items(order).items():
            await inventory.adjust(
                session, sku, qty, reason=f"order {order.number} cancelled", actor=actor
            )
        _transition(session, order, "cancelled", actor=actor, data={"reason": reason})
        order.cancel_reason = reason
        order.cancelled_at = utcnow()
    else:
        raise Conflict(
            f"An order in status {order.status} cannot be cancelled.",
            code="invalid_transition",
            extra={"from": order.status, "to": "cancelled"},
        )
    _cancelled_event(session, order, reason)
    await session.flush()
    return order


async def renew_payment(
    session: AsyncSession, container: OrdersPorts, order_id: uuid.UUID, *, actor: str
) -> tuple[Order, PaymentStart]:
    """A fresh payment intent for an order still awaiting payment (the previous one is voided
    first, so an order never has two live intents). 409 `order_not_payable` otherwise."""

    order = await lock_order(session, order_id)
    if order.status != "pending_payment":
        raise Conflict(
            f"An order in status {order.status} cannot be paid.",
            code="order_not_payable",
            extra={"order_status": order.status},
        )
    started = await payments.renew_payment(session, container, order_id=order.id)
    _history(
        session,
        order,
        "payment_renewed",
        actor=actor,
        data={"provider": started.provider, "intent_id": started.intent_id},
    )
    order.updated_at = utcnow()
    await session.flush()
    return order, started


async def refund_order(
    session: AsyncSession,
    container: OrdersPorts,
    order_id: uuid.UUID,
    *,
    amount: int | None,
    reason: str | None,
    actor: str,
) -> Order:
    """Refund through the payment provider (full when amount is None); never more than captured."""

    order = await lock_order(session, order_id)
    if order.amount_paid - order.amount_refunded <= 0:
        raise Conflict("Nothing is left to refund.", code="refund_exceeds_captured")
    if amount is not None and amount > order.amount_paid - order.amount_refunded:
        raise Conflict(
            "A refund cannot exceed what was captured.",
            code="refund_exceeds_captured",
            extra={"refundable": order.amount_paid - order.amount_refunded},
        )
    _history(
        session,
        order,
        "note",
        actor=actor,
        note=f"Refund requested: {reason or 'no reason'}",
        data={"amount": amount},
    )
    await payments.refund_order_payment(
        session, container, order_id=order.id, amount=amount, reason=reason
    )
    return await lock_order(session, order_id)


def invalid_transition(current: str, target: str) -> Conflict:
    return Conflict(
        f"An order in status {current} cannot become {target}.",
        code="invalid_transition",
        extra={"from": current, "to": target},
    )


def can_deliver(order: Order) -> bool:
    return can_transition(order.status, "delivered")


def remaining_items(order: Order) -> dict[uuid.UUID, int]:
    """What is left to fulfil, per line."""
    return {
        line.id: line.quantity - line.quantity_fulfilled
        for line in order.lines
        if line.quantity > line.quantity_fulfilled
    }


async def fulfil_order(
    session: AsyncSession,
    order_id: uuid.UUID,
    items: Mapping[uuid.UUID, int] | None,
    *,
    actor: str,
    data: dict[str, Any] | None = None,
) -> Order:
    """Fulfil some lines (or everything left): -> partially_fulfilled or fulfilled.

    Called by the shipping module when it creates a shipment (`data` names the shipment)."""
    order = await lock_order(session, order_id)
    if order.status not in FULFILLABLE:
        raise Conflict(
            f"An order in status {order.status} cannot be fulfilled.",
            code="invalid_transition",
            extra={"from": order.status, "to": "fulfilled"},
        )
    lines = {line.id: line for line in order.lines}
    wanted = (
        {line.id: line.quantity - line.quantity_fulfilled for line in order.lines}
        if items is None
        else dict(items)
    )
    for line_id, qty in wanted.items():
        line = lines.get(line_id)
        if line is None:
            raise ValidationFailed(
                "Unknown order line.", code="unknown_line", extra={"line_id": str(line_id)}
            )
        if qty > line.quantity - line.quantity_fulfilled:
            raise Conflict(
                "More than is left to fulfil.",
                code="over_fulfilment",
                extra={
                    "line_id": str(line_id),
                    "remaining": line.quantity - line.quantity_fulfilled,
                },
            )
    wanted = {k: v for k, v in wanted.items() if v > 0}
    if not wanted:
        raise Conflict("Nothing is left to fulfil.", code="nothing_to_fulfil")
    for line_id, qty in wanted.items():
        lines[line_id].quantity_fulfilled += qty
    done = all(line.quantity_fulfilled == line.quantity for line in order.lines)
    _transition(
        session,
        order,
        "fulfilled" if done else "partially_fulfilled",
        actor=actor,
        data={"items": {str(k): v for k, v in wanted.items()}, **(data or {})},
    )
    await session.flush()
    return order


async def unfulfil_order(
    session: AsyncSession,
    order_id: uuid.UUID,
    items: Mapping[uuid.UUID, int],
    *,
    actor: str,
    data: dict[str, Any] | None = None,
) -> Order:
    """Lines of a voided shipment go back to unfulfilled: -> partially_fulfilled or paid."""
    order = await lock_order(session, order_id)
    if order.status not in ("partially_fulfilled", "fulfilled", "partially_refunded"):
        raise invalid_transition(order.status, "paid")
    lines = {line.id: line for line in order.lines}
    for line_id, qty in items.items():
        line = lines.get(line_id)
        if line is not None:
            line.quantity_fulfilled = max(0, line.quantity_fulfilled - qty)
    target = (
        "partially_fulfilled" if any(line.quantity_fulfilled for line in order.lines) else "paid"
    )
    if order.status == "partially_refunded":
        _history(session, order, "fulfilment", actor=actor, data=dict(data or {}))
        order.updated_at = utcnow()
    else:
        _transition(
            session,
            order,
            target,
            actor=actor,
            data={"items": {str(k): -v for k, v in items.items()}, **(data or {})},
        )
    await session.flush()
    return order


async def ship_order(
    session: AsyncSession,
    order_id: uuid.UUID,
    *,
    actor: str,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> Order:
    order = await lock_order(session, order_id)
    if order.status not in ("fulfilled", "partially_fulfilled"):
        raise Conflict(
            f"An order in status {order.status} cannot be shipped.",
            code="invalid_transition",
            extra={"from": order.status, "to": "shipped"},
        )
    _transition(
        session,
        order,
        "shipped",
        actor=actor,
        data={"carrier": carrier, "tracking_number": tracking_number},
    )
    await session.flush()
    return order


async def deliver_order(session: AsyncSession, order_id: uuid.UUID, *, actor: str) -> Order:
    order = await lock_order(session, order_id)
    _transition(session, order, "delivered", actor=actor)
    await session.flush()
    return order


async def add_note(session: AsyncSession, order_id: uuid.UUID, note: str, *, actor: str) -> Order:
    order = await lock_order(session, order_id)
    _history(session, order, "note", actor=actor, note=note)
    order.updated_at = utcnow()
    await session.flush()
    return order


async def resend_confirmation(session: AsyncSession, order_id: uuid.UUID, *, actor: str) -> Order:
    """Send the payment confirmation email again (a new outbox event; the history records it)."""
    order = await lock_order(session, order_id)
    if order.paid_at is None or order.amount_paid <= 0:
        raise Conflict(
            "Only a paid order has a confirmation to resend.",
            code="order_not_paid",
            extra={"order_status": order.status},
        )
    _history(session, order, "email", actor=actor, note="Order confirmation email resent.")
    record_event(
        session,
        "OrderConfirmationResent",
        {
            "order_id": str(order.id),
            "order_number": order.number,
            "email": order.email,
            "amount": order.amount_paid,
            "currency": order.currency,
            "order_url": order.retry_url,
        },
    )
    await session.flush()
    return order


# --------------------------------------------------------------------------- admin aggregates


@dataclass(frozen=True)
class SalesDay:
    day: str  # ISO date (UTC)
    orders: int
    revenue: int  # paid minus refunded, minor units


def _utc_day(session: AsyncSession, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


async def sales_by_day(session: AsyncSession, since: datetime) -> list[SalesDay]:
    """Paid orders and net revenue per UTC day since `since` (days without sales are absent).

    One GROUP BY in SQL; an order counts on the day it was paid.
    """
    day = _utc_day(session, Order.paid_at).label("day")
    rows = await session.execute(
        select(
            day,
            func.count(Order.id),
            func.coalesce(func.sum(Order.amount_paid - Order.amount_refunded), 0),
        )
        .where(Order.paid_at.is_not(None), Order.paid_at >= since)
        .group_by(day)
        .order_by(day)
    )
    return [SalesDay(day=str(d), orders=int(n), revenue=int(r)) for d, n, r in rows]


async def customer_totals(session: AsyncSession, customer_id: uuid.UUID) -> tuple[int, int]:
    """(orders placed, net paid) for one customer."""
    count, spent = (
        await session.execute(
            select(
                func.count(Order.id),
                func.coalesce(func.sum(Order.amount_paid - Order.amount_refunded), 0),
            ).where(Order.customer_id == customer_id)
        )
    ).one()
    return int(count), int(spent)


def _awaiting_fulfilment() -> Any:
    """Paid orders (partly refunded ones too) with a quantity still to ship: what staff can
    fulfil. A fully refunded or cancelled order is not shipped."""
    left_to_ship = (
        select(OrderLine.id)
        .where(OrderLine.order_id == Order.id, OrderLine.quantity_fulfilled < OrderLine.quantity)
        .exists()
    )
    return Order.status.in_(FULFILLABLE) & left_to_ship


async def count_awaiting_fulfilment(session: AsyncSession) -> int:
    """How many orders `list_orders(awaiting_fulfilment=True)` lists."""
    found = await session.scalar(select(func.count(Order.id)).where(_awaiting_fulfilment()))
    return int(found or 0)


async def shipments(order: Order) -> list[dict[str, Any]]:
    """Shipments arrive with the shipping module; until then an empty list."""
    del order
    return []


# --------------------------------------------------------------------------- periodic job


async def expire_unpaid_orders(container: OrdersPorts) -> int:
    """pending_payment orders older than the TTL -> cancelled (expired), stock released,
    the payment voided. Each order in its own transaction; returns how many expired."""

    cutoff = utcnow() - timedelta(minutes=container.settings.orders.unpaid_ttl_minutes)
    async with container.db.session(write=False) as session:
        ids = list(
            (
                await session.scalars(
                    select(Order.id)
                    .where(Order.status == "pending_payment", Order.created_at < cutoff)
                    .order_by(Order.created_at)
                    .limit(1000)
                )
            ).all()
        )
    expired = 0
    for order_id in ids:
        try:
            async with container.db.session() as session:
                order = await lock_order(session, order_id)
                if order.status != "pending_payment" or order.created_at >= cutoff:
                    continue
                await payments.cancel_order_payment(session, container, order_id=order.id)
                await _cancel_pending(session, order, reason="expired", actor="system:expiry")
                _cancelled_event(session, order, "expired")
            expired += 1
        except Exception as exc:  # one failure must not stop the batch; retried next run
            log.warning("order_expiry_failed", order_id=str(order_id), error=str(exc))
    return expired


# --------------------------------------------------------------------------- personal data


async def export_orders_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """The customer's orders for `GET /me/export`."""
    rows = await session.scalars(
        select(Order).where(Order.customer_id == user_id).order_by(Order.created_at)
    )
    return [to_read(order).model_dump(mode="json") for order in rows]


async def anonymise_orders_for_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """On account closure orders stay (accounting) but lose contact data. The billing address is
    kept: invoices must be retained by law; the shipping address keeps only country and postcode."""
    rows = await session.scalars(select(Order).where(Order.customer_id == user_id))
    for order in rows:
        order.email = f"deleted-{user_id}@invalid"
        order.customer_name = ""
        order.customer_note = None
        order.retry_url = None
        address = order.shipping_address or {}
        order.shipping_address = {
            "country": address.get("country"),
            "postal_code": address.get("postal_code"),
        }
        billing = dict(order.billing_address or {})
        billing.pop("phone", None)
        order.billing_address = billing
        order.updated_at = utcnow()


def register_account_hooks() -> None:
    """Add orders to `GET /me/export` and to account closure (idempotent; done at import)."""
    account_hooks.register_exporter("orders", export_orders_for_user)
    account_hooks.register_anonymiser("orders", anonymise_orders_for_user)


register_account_hooks()


# --------------------------------------------------------------------------- payments' events
# Payments sits below orders and never calls up: it publishes its outcomes (mercato.payments.events)
# and asks for the order through `OrderGate`; the composition root wires both to these.


async def on_payment_succeeded(session: AsyncSession, event: PaymentSucceeded) -> None:
    await apply_payment_succeeded(
        session,
        order_id=event.order_id,
        amount=event.amount,
        provider=event.provider,
        reference=event.reference,
    )


async def on_payment_refunded(session: AsyncSession, event: PaymentRefunded) -> None:
    await apply_refund(
        session,
        order_id=event.order_id,
        amount=event.amount,
        provider=event.provider,
        reference=event.reference,
    )


async def on_payment_failed(session: AsyncSession, event: PaymentFailed) -> None:
    await apply_payment_failed(
        session, order_id=event.order_id, reason=event.reason, provider=event.provider
    )


class PaymentOrderGate:
    """What payments may ask of an order: its row lock and its status."""

    async def lock(self, session: AsyncSession, order_id: uuid.UUID) -> None:
        await lock_order(session, order_id)

    async def status(self, session: AsyncSession, order_id: uuid.UUID) -> str:
        return (await get_order_payment_info(session, order_id)).status
