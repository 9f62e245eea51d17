"""POST /checkout (Idempotency-Key required) and the admin discount-code endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from mercato.accounts.dependencies import OptionalClaims, StaffUser
from mercato.checkout import service
from mercato.checkout.models import DiscountCode
from mercato.checkout.schemas import (
    CheckoutRead,
    CheckoutRequest,
    DiscountCreate,
    DiscountList,
    DiscountRead,
    DiscountRedemptionRead,
    DiscountUpdate,
    DiscountUsage,
)
from mercato.platform.deps import ContainerDep, SessionDep, required_header
from mercato.platform.errors import ValidationFailed

router = APIRouter(tags=["checkout"])
admin_router = APIRouter(prefix="/admin/discounts", tags=["admin-discounts"])


@router.post(
    "/checkout",
    operation_id="checkout",
    summary="Place the order for a cart and start its payment (Idempotency-Key)",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckoutRead,
    responses={
        404: {"description": "cart_not_found"},
        409: {"description": "insufficient_stock, cart_not_open, request_in_progress, ..."},
        422: {"description": "idempotency_key_mismatch, checkout_incomplete, ..."},
        428: {"description": "Idempotency-Key missing"},
        503: {"description": "Payment provider or database busy (Retry-After)"},
    },
)
async def checkout(
    request: Request,
    body: CheckoutRequest,
    container: ContainerDep,
    claims: OptionalClaims,
    idempotency_key: Annotated[
        str | None,
        required_header(
            "Idempotency-Key",
            "A unique key per checkout attempt (e.g. a UUID); retries reuse it. Missing: 428.",
        ),
    ] = None,
) -> JSONResponse:
    """Place the order for a cart and start its payment.

    Runs its own transactions (the key claim, then the order), so it takes no request session.
    The same key and body replay the first response; a different body is 422.
    """
    if len(request.headers.getlist("idempotency-key")) > 1:
        # Proxies may pick either copy: two keys could mean two orders for one checkout.
        raise ValidationFailed(
            "Send exactly one Idempotency-Key header.", code="invalid_idempotency_key"
        )
    result = await service.place_order(
        container,
        cart_id=body.cart_id,
        user_id=claims.user_id if claims else None,
        idempotency_key=idempotency_key,
        body=body.model_dump(mode="json"),
    )
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return JSONResponse(result.body, status_code=result.status, headers=headers)


def _discount_read(discount: DiscountCode) -> DiscountRead:
    return DiscountRead.model_validate(discount, from_attributes=True)


@admin_router.post(
    "",
    operation_id="createDiscount",
    responses={409: {"description": "discount_code_taken"}},
    summary="Create a discount code",
    status_code=status.HTTP_201_CREATED,
    response_model=DiscountRead,
)
async def create_discount(
    body: DiscountCreate, session: SessionDep, container: ContainerDep, staff: StaffUser
) -> DiscountRead:
    del staff
    return _discount_read(await service.create_discount(session, container, body))


@admin_router.get(
    "", operation_id="listDiscounts", summary="Discount codes", response_model=DiscountList
)
async def list_discounts(session: SessionDep, staff: StaffUser) -> DiscountList:
    del staff
    discounts = [_discount_read(d) for d in await service.list_discounts(session)]
    return DiscountList(items=discounts, next_cursor=None)  # all codes: a shop has a handful


@admin_router.post(
    "/{discount_id}/disable",
    operation_id="disableDiscount",
    responses={404: {"description": "discount_not_found"}},
    summary="Disable a discount code",
    response_model=DiscountRead,
)
async def disable_discount(
    discount_id: uuid.UUID, session: SessionDep, staff: StaffUser
) -> DiscountRead:
    del staff
    return _discount_read(await service.disable_discount(session, discount_id))


@admin_router.patch(
    "/{discount_id}",
    operation_id="updateDiscount",
    responses={
        404: {"description": "discount_not_found"},
        409: {"description": "usage_limit_below_used"},
    },
    summary="Change a discount code's terms, or enable/disable it",
    response_model=DiscountRead,
)
async def update_discount(
    discount_id: uuid.UUID, body: DiscountUpdate, session: SessionDep, staff: StaffUser
) -> DiscountRead:
    del staff
    return _discount_read(await service.update_discount(session, discount_id, body))


@admin_router.get(
    "/{discount_id}/usage",
    operation_id="getDiscountUsage",
    responses={404: {"description": "discount_not_found"}},
    summary="A discount code's redemptions and totals",
    response_model=DiscountUsage,
)
async def discount_usage(
    discount_id: uuid.UUID,
    session: SessionDep,
    staff: StaffUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DiscountUsage:
    del staff
    discount, count, total, rows, next_cursor = await service.discount_usage(
        session, discount_id, limit=limit, cursor=cursor
    )
    return DiscountUsage(
        discount=_discount_read(discount),
        total_redemptions=count,
        total_discounted=total,
        items=[
            DiscountRedemptionRead(
                id=r.id,
                order_id=r.order_id,
                customer=r.customer_key,
                amount=r.amount,
                created_at=r.created_at,
            )
            for r in rows
        ],
        next_cursor=next_cursor,
    )
