"""Order routes that fulfilment owns: an order's shipments, and staff fulfil / ship / deliver.

They live under /orders and /admin/orders (tags `orders`, `admin-orders`) but belong to shipping,
which sits above orders: orders never imports shipping.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from mercato.accounts.dependencies import OptionalUser, StaffUser
from mercato.orders import service as orders
from mercato.orders.schemas import AdminOrderRead, FulfilRequest, ShipRequest
from mercato.platform.deps import SessionDep
from mercato.shipping import service as shipping
from mercato.shipping.ports import ShippingDep
from mercato.shipping.schemas import ShipmentList

router = APIRouter(prefix="/orders", tags=["orders"])
admin_router = APIRouter(prefix="/admin/orders", tags=["admin-orders"])

Token = Annotated[str | None, Query(max_length=200, description="The guest order token")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such order"}}


@router.get(
    "/{order_id}/shipments",
    operation_id="listOrderShipments",
    summary="Shipments of an order with their tracking events (owner, or guest with the token)",
    response_model=ShipmentList,
    responses=_NOT_FOUND,
)
async def get_my_order_shipments(
    order_id: uuid.UUID,
    session: SessionDep,
    container: ShippingDep,
    user: OptionalUser,
    token: Token = None,
) -> ShipmentList:
    order = await orders.get_order_for_customer(
        session, container.settings, order_id, customer_id=user.id if user else None, token=token
    )
    shipments = await shipping.order_shipments(session, order.id)
    return ShipmentList(items=[shipping.to_read(container, s) for s in shipments], next_cursor=None)


@admin_router.post(
    "/{order_id}/fulfil",
    operation_id="fulfilOrder",
    summary="Fulfil an order: ship the chosen lines (buys the label) (staff)",
    response_model=AdminOrderRead,
    responses={
        **_NOT_FOUND,
        409: {"description": "invalid_transition, over_fulfilment, nothing_to_fulfil"},
        503: {"description": "carrier_unavailable"},
    },
)
async def admin_fulfil_order(
    order_id: uuid.UUID,
    session: SessionDep,
    container: ShippingDep,
    staff: StaffUser,
    body: FulfilRequest | None = None,
) -> AdminOrderRead:
    """Creates a shipment of the chosen lines (or all that are left) with the default carrier;
    `POST /admin/shipments` does the same with a service and weight."""
    items: dict[uuid.UUID, int] | None = None
    if body is not None and body.items is not None:
        items = {}
        for item in body.items:
            items[item.line_id] = items.get(item.line_id, 0) + item.quantity
    await shipping.create_shipment(session, container, order_id, items, actor=f"staff:{staff.id}")
    return await orders.to_admin_read(session, await orders.get_order(session, order_id))


@admin_router.post(
    "/{order_id}/ship",
    operation_id="shipOrder",
    summary="Hand an order's parcels to the carrier: the order is shipped (staff)",
    response_model=AdminOrderRead,
    responses={**_NOT_FOUND, 409: {"description": "invalid_transition"}},
)
async def admin_ship_order(
    order_id: uuid.UUID,
    session: SessionDep,
    container: ShippingDep,
    staff: StaffUser,
    body: ShipRequest | None = None,
) -> AdminOrderRead:
    order = await shipping.hand_over(
        session,
        container,
        order_id,
        actor=f"staff:{staff.id}",
        carrier=body.carrier if body else None,
        tracking_number=body.tracking_number if body else None,
    )
    return await orders.to_admin_read(session, order)


@admin_router.post(
    "/{order_id}/deliver",
    operation_id="deliverOrder",
    summary="Mark an order and its parcels delivered (staff)",
    response_model=AdminOrderRead,
    responses={**_NOT_FOUND, 409: {"description": "invalid_transition"}},
)
async def admin_deliver_order(
    order_id: uuid.UUID, session: SessionDep, container: ShippingDep, staff: StaffUser
) -> AdminOrderRead:
    order = await shipping.deliver_order(session, container, order_id, actor=f"staff:{staff.id}")
    return await orders.to_admin_read(session, order)
