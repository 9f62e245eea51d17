"""Order endpoints for customers (owner or signed guest token) and staff (/admin/orders)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from mercato.accounts.dependencies import CurrentUser, OptionalUser, StaffUser
from mercato.orders import service
from mercato.orders.models import ORDER_STATUSES
from mercato.orders.ports import OrdersDep
from mercato.orders.schemas import (
    AdminOrderPage,
    AdminOrderRead,
    CancelRequest,
    NoteCreate,
    OrderPage,
    OrderPaymentRead,
    OrderRead,
    PaymentStartRead,
    RefundRequest,
)
from mercato.platform.deps import SessionDep
from mercato.platform.strict import QueryDatetime

router = APIRouter(prefix="/orders", tags=["orders"])
admin_router = APIRouter(prefix="/admin/orders", tags=["admin-orders"])

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]
Token = Annotated[str | None, Query(max_length=200, description="The guest order token")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such order"}}


@router.get(
    "", operation_id="listOrders", summary="My orders, newest first", response_model=OrderPage
)
async def list_my_orders(
    session: SessionDep, user: CurrentUser, limit: Limit = 20, cursor: Cursor = None
) -> OrderPage:
    orders, next_cursor = await service.list_orders(
        session, customer_id=user.id, limit=limit, cursor=cursor
    )
    return OrderPage(items=[service.to_read(o) for o in orders], next_cursor=next_cursor)


@router.get(
    "/{order_id}",
    operation_id="getOrder",
    summary="One order (its owner, or a guest with the order token)",
    response_model=OrderRead,
    responses=_NOT_FOUND,
)
async def get_my_order(
    order_id: uuid.UUID,
    session: SessionDep,
    container: OrdersDep,
    user: OptionalUser,
    token: Token = None,
) -> OrderRead:
    order = await service.get_order_for_customer(
        session, container.settings, order_id, customer_id=user.id if user else None, token=token
    )
    return service.to_read(order, await service.payment_summary(session, order))


@router.post(
    "/{order_id}/payment",
    operation_id="renewOrderPayment",
    summary="Start a fresh payment attempt for an order awaiting payment",
    response_model=OrderPaymentRead,
    responses={**_NOT_FOUND, 409: {"description": "Not awaiting payment, or payment in progress"}},
)
async def renew_my_order_payment(
    order_id: uuid.UUID,
    session: SessionDep,
    container: OrdersDep,
    user: OptionalUser,
    token: Token = None,
) -> OrderPaymentRead:
    """A fresh payment intent for an order still awaiting payment (the previous one is voided)."""
    order = await service.get_order_for_customer(
        session, container.settings, order_id, customer_id=user.id if user else None, token=token
    )
    actor = f"customer:{user.id}" if user else "guest"
    order, started = await service.renew_payment(session, container, order.id, actor=actor)
    return OrderPaymentRead(
        **service.to_read(order).model_dump(exclude={"payment"}),
        payment=PaymentStartRead(
            provider=started.provider,
            intent_id=started.intent_id,
            client_secret=started.client_secret,
            status=started.status,
        ),
    )


@router.post(
    "/{order_id}/cancel",
    operation_id="cancelOrder",
    summary="Cancel an order that has not shipped",
    response_model=OrderRead,
    responses={**_NOT_FOUND, 409: {"description": "invalid_transition"}},
)
async def cancel_my_order(
    order_id: uuid.UUID,
    session: SessionDep,
    container: OrdersDep,
    user: OptionalUser,
    token: Token = None,
) -> OrderRead:
    """The shopper cancels an order that is still awaiting payment."""
    order = await service.get_order_for_customer(
        session, container.settings, order_id, customer_id=user.id if user else None, token=token
    )
    actor = f"customer:{user.id}" if user else "guest"
    order = await service.cancel_order(
        session, container, order.id, actor=actor, reason="cancelled_by_customer"
    )
    return service.to_read(order)


# --------------------------------------------------------------------------- admin


@admin_router.get(
    "",
    operation_id="adminListOrders",
    summary="Orders, filtered and paginated (staff)",
    response_model=AdminOrderPage,
)
async def admin_list_orders(
    session: SessionDep,
    staff: StaffUser,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(ORDER_STATUSES) + ")$")] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    created_from: QueryDatetime | None = None,
    created_to: QueryDatetime | None = None,
    customer_id: uuid.UUID | None = None,
    total_min: Annotated[
        int | None, Query(ge=0, le=10**12, description="Minimum total, minor units")
    ] = None,
    total_max: Annotated[
        int | None, Query(ge=0, le=10**12, description="Maximum total, minor units")
    ] = None,
    number: Annotated[str | None, Query(max_length=32, pattern=r"^[A-Za-z0-9-]+$")] = None,
    awaiting_fulfilment: Annotated[
        bool,
        Query(
            description="Only paid orders (partly refunded ones too) with items still to ship: "
            "the Overview's count"
        ),
    ] = False,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> AdminOrderPage:
    del staff
    orders, next_cursor = await service.list_orders(
        session,
        status=status,
        email=email,
        created_from=created_from,
        created_to=created_to,
        customer_id=customer_id,
        total_min=total_min,
        total_max=total_max,
        number=number,
        awaiting_fulfilment=awaiting_fulfilment,
        limit=limit,
        cursor=cursor,
    )
    return AdminOrderPage(items=[service.to_read(o) for o in orders], next_cursor=next_cursor)


@admin_router.get(
    "/{order_id}",
    operation_id="adminGetOrder",
    summary="One order with payments, ledger and notes (staff)",
    response_model=AdminOrderRead,
    responses=_NOT_FOUND,
)
async def admin_get_order(
    order_id: uuid.UUID, session: SessionDep, staff: StaffUser
) -> AdminOrderRead:
    del staff
    return await service.to_admin_read(session, await service.get_order(session, order_id))


@admin_router.post(
    "/{order_id}/cancel",
    operation_id="adminCancelOrder",
    summary="Cancel an order (staff)",
    response_model=AdminOrderRead,
    responses={**_NOT_FOUND, 409: {"description": "invalid_transition"}},
)
async def admin_cancel_order(
    order_id: uuid.UUID,
    session: SessionDep,
    container: OrdersDep,
    staff: StaffUser,
    body: CancelRequest | None = None,
) -> AdminOrderRead:
    reason = body.reason if body else "cancelled_by_admin"
    order = await service.cancel_order(
        session, container, order_id, actor=f"staff:{staff.id}", reason=reason, allow_paid=True
    )
    return await service.to_admin_read(session, order)


@admin_router.post(
    "/{order_id}/refund",
    operation_id="refundOrder",
    summary="Refund an order, fully or partly (staff)",
    response_model=AdminOrderRead,
    responses={
        **_NOT_FOUND,
        409: {"description": "invalid_transition, refund_exceeds_captured, refund_rejected"},
    },
)
async def admin_refund_order(
    order_id: uuid.UUID,
    session: SessionDep,
    container: OrdersDep,
    staff: StaffUser,
    body: RefundRequest | None = None,
) -> AdminOrderRead:
    order = await service.refund_order(
        session,
        container,
        order_id,
        amount=body.amount if body else None,
        reason=body.reason if body else None,
        actor=f"staff:{staff.id}",
    )
    return await service.to_admin_read(session, order)


@admin_router.post(
    "/{order_id}/notes",
    operation_id="addOrderNote",
    summary="Add an internal note to an order (staff)",
    response_model=AdminOrderRead,
    responses=_NOT_FOUND,
)
async def admin_add_note(
    order_id: uuid.UUID, body: NoteCreate, session: SessionDep, staff: StaffUser
) -> AdminOrderRead:
    order = await service.add_note(session, order_id, body.note, actor=f"staff:{staff.id}")
    return await service.to_admin_read(session, order)


@admin_router.post(
    "/{order_id}/resend-confirmation",
    operation_id="resendOrderConfirmation",
    summary="Send the order confirmation email again (staff)",
    response_model=AdminOrderRead,
    status_code=202,
    responses={**_NOT_FOUND, 409: {"description": "order_not_paid"}},
)
async def admin_resend_confirmation(
    order_id: uuid.UUID, session: SessionDep, staff: StaffUser
) -> AdminOrderRead:
    order = await service.resend_confirmation(session, order_id, actor=f"staff:{staff.id}")
    return await service.to_admin_read(session, order)
