"""/admin endpoints that compose several modules: the overview, a customer with their orders,
and the stock list. Staff or admin only (a customer gets 403, anonymous 401)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from mercato.accounts.dependencies import StaffUser
from mercato.admin import service
from mercato.admin.ports import AdminDep
from mercato.admin.providers import provider_health
from mercato.admin.schemas import (
    AdminOverview,
    CustomerDetail,
    ProviderHealthList,
    ProviderHealthRead,
    StockLevelPage,
)
from mercato.inventory import service as inventory
from mercato.platform.deps import SessionDep

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get(
    "/overview",
    operation_id="getAdminOverview",
    summary="Dashboard: sales today and this week, and what needs attention (staff)",
    response_model=AdminOverview,
)
async def admin_overview(
    _staff: StaffUser, container: AdminDep, response: Response
) -> AdminOverview:
    response.headers["Cache-Control"] = "no-store"
    return await service.overview(container)


@router.get(
    "/customers/{customer_id}",
    operation_id="getCustomer",
    summary="A customer with their newest orders and totals (staff)",
    response_model=CustomerDetail,
    responses={404: {"description": "Customer not found"}},
)
async def admin_customer(
    customer_id: uuid.UUID, _staff: StaffUser, session: SessionDep, container: AdminDep
) -> CustomerDetail:
    return await service.customer_detail(
        session, customer_id, currency=container.settings.catalog.currency
    )


@router.get(
    "/inventory",
    operation_id="listStockLevels",
    summary="Stock per SKU and warehouse, by SKU (staff)",
    response_model=StockLevelPage,
    tags=["inventory-admin"],
)
async def admin_stock_levels(
    _staff: StaffUser,
    container: AdminDep,
    sku: Annotated[str | None, Query(max_length=64, description="SKU prefix")] = None,
    max_available: Annotated[
        int | None, Query(ge=0, le=1_000_000, description="Only SKUs with at most this many")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> StockLevelPage:
    async with container.db.session(write=False) as session:
        items, next_cursor = await inventory.list_levels(
            session, sku_prefix=sku, max_available=max_available, limit=limit, cursor=cursor
        )
    return StockLevelPage(items=items, next_cursor=next_cursor)


@router.get(
    "/providers",
    operation_id="listProviders",
    summary="Payments, carrier, content, feeds, mail: which provider, is it answering (staff)",
    response_model=ProviderHealthList,
)
async def admin_providers(_staff: StaffUser, container: AdminDep) -> ProviderHealthList:
    return ProviderHealthList(
        items=[
            ProviderHealthRead(
                role=p.role,
                provider=p.provider,
                external=p.external,
                state=p.state,
                detail=p.detail,
            )
            for p in provider_health(container.settings)
        ],
        next_cursor=None,
    )
