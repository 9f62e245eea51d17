"""Staff discount-code endpoints (/admin/discounts)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from mercato.accounts.dependencies import StaffUser
from mercato.discounts import service as discounts
from mercato.discounts.models import DiscountCode
from mercato.discounts.schemas import (
    DiscountCreate,
    DiscountList,
    DiscountRead,
    DiscountRedemptionRead,
    DiscountUpdate,
    DiscountUsage,
)
from mercato.platform.deps import ContainerDep, SessionDep

admin_router = APIRouter(prefix="/admin/discounts", tags=["admin-discounts"])


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
    return _discount_read(await discounts.create_discount(session, container, body))


Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]


@admin_router.get(
    "",
    operation_id="listDiscounts",
    summary="Discount codes, newest first",
    response_model=DiscountList,
)
async def list_discounts(
    session: SessionDep, staff: StaffUser, limit: Limit = 50, cursor: Cursor = None
) -> DiscountList:
    del staff
    codes, next_cursor = await discounts.list_discounts(session, limit=limit, cursor=cursor)
    return DiscountList(items=[_discount_read(d) for d in codes], next_cursor=next_cursor)


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
    return _discount_read(await discounts.disable_discount(session, discount_id))


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
    return _discount_read(await discounts.update_discount(session, discount_id, body))


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
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DiscountUsage:
    del staff
    discount, count, total, rows, next_cursor = await discounts.discount_usage(
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
