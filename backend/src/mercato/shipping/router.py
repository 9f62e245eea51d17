"""Shipping endpoints (thin): public tracking, carrier webhooks and the staff shipment API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from mercato.accounts.dependencies import StaffUser
from mercato.platform.deps import SessionDep, client_ip
from mercato.platform.errors import RateLimited
from mercato.platform.files import FileAnswer
from mercato.platform.strict import QueryBool
from mercato.shipping import repository, service
from mercato.shipping.models import SHIPMENT_STATUSES
from mercato.shipping.ports import ShippingDep
from mercato.shipping.schemas import (
    AdminShipmentPage,
    AdminShipmentRead,
    DeliverRequest,
    ShipmentCreate,
    TrackingRead,
    WebhookAck,
)

router = APIRouter(tags=["tracking"])
admin_router = APIRouter(prefix="/admin/shipments", tags=["admin-shipments"])

ClientIp = Annotated[str, Depends(client_ip)]
ProviderName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such shipment"}}


@router.get(
    "/tracking/{tracking_number}",
    operation_id="trackShipment",
    summary="Public tracking: status and events of a parcel (no personal data)",
    response_model=TrackingRead,
    responses={
        404: {"description": "tracking_not_found (also for malformed numbers)"},
        429: {"description": "rate_limited: too many look-ups from this address"},
    },
)
async def track(
    tracking_number: str,  # any length: a number that cannot exist is a 404 as well
    session: SessionDep,
    container: ShippingDep,
    ip: ClientIp,
) -> TrackingRead:
    config = container.settings.shipping
    state = await container.rate_limiter.hit(
        f"tracking:{ip}",
        limit=config.tracking_rate_limit,
        window_seconds=config.tracking_rate_window_seconds,
    )
    if state.exceeded:
        raise RateLimited(
            "Too many tracking look-ups; try again later.", retry_after=state.retry_after
        )
    return service.to_public(await service.public_tracking(session, tracking_number))


@router.post(
    "/shipping/{provider}/webhook",
    operation_id="receiveShippingWebhook",
    summary="Carrier tracking webhook (signature verified over the raw body)",
    response_model=WebhookAck,
    responses={
        400: {"description": "invalid_webhook: signature, timestamp or payload; nothing written"},
        404: {"description": "unknown_carrier"},
    },
)
async def carrier_webhook(
    provider: ProviderName, request: Request, container: ShippingDep
) -> WebhookAck:
    raw_body = await request.body()
    outcome = await service.handle_webhook(container, provider, raw_body, request.headers)
    return WebhookAck(event_id=outcome.event_id, outcome=outcome.outcome)


# --------------------------------------------------------------------------- staff


@admin_router.post(
    "",
    operation_id="adminCreateShipment",
    summary="Ship order lines: buys the label and starts tracking (staff)",
    status_code=201,
    response_model=AdminShipmentRead,
    responses={
        404: {"description": "order_not_found"},
        409: {
            "description": "invalid_transition, over_fulfilment, nothing_to_fulfil, "
            "carrier_rejected"
        },
        503: {"description": "carrier_unavailable"},
    },
)
async def admin_create_shipment(
    body: ShipmentCreate, session: SessionDep, container: ShippingDep, staff: StaffUser
) -> AdminShipmentRead:
    items: dict[uuid.UUID, int] | None = None
    if body.items is not None:
        items = {}
        for item in body.items:
            items[item.line_id] = items.get(item.line_id, 0) + item.quantity
    shipment = await service.create_shipment(
        session,
        container,
        body.order_id,
        items,
        actor=f"staff:{staff.id}",
        service=body.service,
        weight_grams=body.weight_grams,
    )
    return service.to_admin_read(container, shipment)


@admin_router.get(
    "",
    operation_id="adminListShipments",
    summary="Shipments, newest first, filtered and paginated (staff)",
    response_model=AdminShipmentPage,
)
async def admin_list_shipments(
    session: SessionDep,
    container: ShippingDep,
    staff: StaffUser,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(SHIPMENT_STATUSES) + ")$")] = None,
    exception: Annotated[
        QueryBool | None, Query(description="true: only exceptions; false: none")
    ] = None,
    carrier: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,31}$")] = None,
    order_id: uuid.UUID | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> AdminShipmentPage:
    del staff
    rows, next_cursor = await repository.page(
        session,
        status=status,
        exception=exception,
        carrier=carrier,
        order_id=order_id,
        limit=limit,
        cursor=cursor,
    )
    return AdminShipmentPage(
        items=[service.to_admin_read(container, s) for s in rows], next_cursor=next_cursor
    )


@admin_router.get(
    "/{shipment_id}",
    operation_id="adminGetShipment",
    summary="One shipment with its tracking events (staff)",
    response_model=AdminShipmentRead,
    responses=_NOT_FOUND,
)
async def admin_get_shipment(
    shipment_id: uuid.UUID, session: SessionDep, container: ShippingDep, staff: StaffUser
) -> AdminShipmentRead:
    del staff
    return service.to_admin_read(container, await service.get_shipment(session, shipment_id))


@admin_router.get(
    "/{shipment_id}/label",
    operation_id="adminGetShipmentLabel",
    summary="The shipment's printable label, PDF or PNG (staff)",
    response_class=FileAnswer,
    responses={
        200: {"content": {"application/pdf": {}, "image/png": {}}, "description": "The label"},
        404: {"description": "shipment_not_found, label_not_found"},
    },
)
async def admin_get_label(
    shipment_id: uuid.UUID, session: SessionDep, container: ShippingDep, staff: StaffUser
) -> FileAnswer:
    del staff
    shipment = await service.get_shipment(session, shipment_id)
    path, content_type = await service.label_file(container, shipment)
    extension = "pdf" if content_type == "application/pdf" else "png"
    return FileAnswer(
        path,
        media_type=content_type,
        filename=f"label-{shipment.tracking_number}.{extension}",
        headers={"Cache-Control": "private, no-store"},
    )


@admin_router.post(
    "/{shipment_id}/deliver",
    operation_id="adminDeliverShipment",
    summary="Mark a shipment delivered by hand (staff)",
    response_model=AdminShipmentRead,
    responses={**_NOT_FOUND, 409: {"description": "invalid_shipment_state (voided, returned)"}},
)
async def admin_deliver_shipment(
    shipment_id: uuid.UUID,
    session: SessionDep,
    container: ShippingDep,
    staff: StaffUser,
    body: DeliverRequest | None = None,
) -> AdminShipmentRead:
    shipment = await service.mark_delivered(
        session,
        container,
        shipment_id,
        actor=f"staff:{staff.id}",
        note=body.note if body else None,
    )
    return service.to_admin_read(container, shipment)


@admin_router.post(
    "/{shipment_id}/void",
    operation_id="adminVoidShipment",
    summary="Void an unused label: its lines go back to unfulfilled (staff)",
    response_model=AdminShipmentRead,
    responses={
        **_NOT_FOUND,
        409: {"description": "invalid_shipment_state (already handed over), carrier_rejected"},
        503: {"description": "carrier_unavailable"},
    },
)
async def admin_void_shipment(
    shipment_id: uuid.UUID, session: SessionDep, container: ShippingDep, staff: StaffUser
) -> AdminShipmentRead:
    shipment = await service.void_shipment(
        session, container, shipment_id, actor=f"staff:{staff.id}"
    )
    return service.to_admin_read(container, shipment)
