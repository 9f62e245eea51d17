"""Shipping rules: shipments of order lines (buying the label), tracking updates from webhooks,
polling and staff, the order's fulfilment state, and the read models.

Locking: every change locks the order first, then the shipment (the same order as the order and
payment paths), so webhooks, the polling job and staff actions never deadlock and apply once.
Tracking events merge by (shipment, event key); the shipment's status follows the latest event
by *event time*, and delivered / returned / voided are final, so late or duplicated events never
move a shipment backwards. Each status change records one `ShipmentUpdated` outbox event (the
emails), in the same transaction.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.catalog import service as catalog
from mercato.orders import service as orders
from mercato.orders.models import Order
from mercato.platform.clock import as_utc
from mercato.platform.errors import NotFound
from mercato.platform.money import Money
from mercato.platform.outbox import record_event
from mercato.shipping import repository
from mercato.shipping.exceptions import (
    CarrierRejected,
    CarrierUnavailableError,
    ShipmentConflict,
    ShipmentNotFound,
    TrackingNotFound,
    WebhookInvalid,
)
from mercato.shipping.models import (
    FINAL_STATUSES,
    HANDED_OVER,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)
from mercato.shipping.providers import CarrierRegistry
from mercato.shipping.providers.port import (
    Carrier,
    CarrierError,
    CarrierUnavailable,
    LabelRequest,
    PurchasedLabel,
    ShipAddress,
    TrackingSnapshot,
    TrackingUpdate,
    TrackQuery,
    WebhookRejected,
)
from mercato.shipping.schemas import (
    AdminShipmentRead,
    PublicTrackingEventRead,
    ShipmentLineRead,
    ShipmentRead,
    TrackingEventRead,
    TrackingRead,
)

if TYPE_CHECKING:
    from mercato.shipping.ports import ShippingPorts

log = structlog.get_logger("mercato.shipping")

WEBHOOKS = Counter(
    "mercato_shipping_webhooks_total",
    "Carrier webhooks by provider and outcome",
    ["provider", "outcome"],
)
STATUS_CHANGES = Counter(
    "mercato_shipment_status_changes_total", "Shipment status changes by status", ["status"]
)
# On equal event times the further status wins (a scan and the delivery in the same second).
_RANK = {
    "label_created": 0,
    "in_transit": 1,
    "exception": 2,
    "out_for_delivery": 3,
    "delivered": 4,
    "returned": 5,
}
LABEL_FOLDER = "shipping-labels"


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    outcome: str


# --------------------------------------------------------------------------- helpers


def tracking_url(container: ShippingPorts, tracking_number: str) -> str:
    return f"{container.settings.storefront_url.rstrip('/')}/track/{tracking_number}"


def _destination(order: Order) -> ShipAddress:
    a: Mapping[str, Any] = order.shipping_address or {}
    name = " ".join(str(a.get(k) or "") for k in ("first_name", "last_name")).strip()
    return ShipAddress(
        name=name or order.customer_name or "Customer",
        company=a.get("company"),
        line1=str(a.get("line1") or ""),
        line2=a.get("line2"),
        city=str(a.get("city") or ""),
        postal_code=str(a.get("postal_code") or ""),
        region=a.get("region"),
        country=str(a.get("country") or ""),
        phone=a.get("phone"),
        email=order.email,
    )


async def _weight(
    session: AsyncSession, container: ShippingPorts, order: Order, items: Mapping[uuid.UUID, int]
) -> int:
    lines = {line.id: line for line in order.lines}
    variants = await catalog.get_purchasable_variants(session, [lines[i].sku for i in items])
    default = container.settings.shipping.default_weight_grams
    total = 0
    for line_id, qty in items.items():
        variant = variants.get(lines[line_id].sku)
        each = variant.weight_grams if variant is not None and variant.weight_grams > 0 else default
        total += each * qty
    return max(total, 1)


def _status_event(
    session: AsyncSession,
    container: ShippingPorts,
    order: Order,
    shipment: Shipment,
    previous: str | None,
) -> None:
    STATUS_CHANGES.labels(shipment.status).inc()
    latest = max(shipment.events, key=_event_sort_key) if shipment.events else None
    record_event(
        session,
        "ShipmentUpdated",
        {
            "shipment_id": str(shipment.id),
            "order_id": str(order.id),
            "order_number": order.number,
            "email": order.email,
            "status": shipment.status,
            "previous_status": previous,
            "carrier": shipment.carrier_name,
            "service": shipment.service,
            "tracking_number": shipment.tracking_number,
            "tracking_url": tracking_url(container, shipment.tracking_number),
            "estimated_delivery": (
                shipment.estimated_delivery.isoformat() if shipment.estimated_delivery else None
            ),
            "message": latest.message if latest else None,
        },
    )


def _event_sort_key(event: TrackingEvent) -> tuple[datetime, int]:
    return as_utc(event.occurred_at), _RANK.get(event.status, 0)


def _merge_events(
    shipment: Shipment, updates: tuple[TrackingUpdate, ...] | list[TrackingUpdate], source: str
) -> int:
    """Add the events not seen yet (by key); returns how many were new."""
    known = {event.event_key for event in shipment.events}
    added = 0
    for update in updates:
        key = update.key[:128]
        if key in known or update.status not in _RANK:
            continue
        known.add(key)
        shipment.events.append(
            TrackingEvent(
                shipment_id=shipment.id,
                event_key=key,
                status=update.status,
                message=update.message[:500],
                location=update.location[:200] if update.location else None,
                occurred_at=as_utc(update.occurred_at),
                source=source,
            )
        )
        added += 1
    return added


async def _apply_status(
    session: AsyncSession, container: ShippingPorts, order: Order, shipment: Shipment, actor: str
) -> bool:
    """Move the shipment to the status of its latest event; True when the status changed."""
    if shipment.status in FINAL_STATUSES or not shipment.events:
        return False
    latest = max(shipment.events, key=_event_sort_key)
    target = latest.status
    if target == shipment.status:
        return False
    previous = shipment.status
    now = container.carriers.now()
    shipment.status = target
    shipment.updated_at = now
    shipment.last_event_at = as_utc(latest.occurred_at)
    if target in HANDED_OVER and shipment.shipped_at is None:
        first = min((e for e in shipment.events if e.status in HANDED_OVER), key=_event_sort_key)
        shipment.shipped_at = as_utc(first.occurred_at)
    if target == "delivered":
        shipment.delivered_at = as_utc(latest.occurred_at)
    _status_event(session, container, order, shipment, previous)
    log.info(
        "shipment_status",
        shipment_id=str(shipment.id),
        status=target,
        previous=previous,
        actor=actor,
    )
    await _sync_order(session, order, actor=actor)
    return True


async def _sync_order(session: AsyncSession, order: Order, *, actor: str) -> None:
    """The order follows its shipments: fulfilled and every parcel handed over -> shipped;
    shipped and every parcel delivered -> delivered. Partial shipments keep it partially
    fulfilled (its lines say what is still to send)."""
    await session.flush()
    shipments = [s for s in await repository.for_order(session, order.id) if s.status != "voided"]
    if not shipments:
        return
    if order.status == "fulfilled" and all(s.status in HANDED_OVER for s in shipments):
        await orders.ship_order(
            session,
            order.id,
            actor=actor,
            carrier=shipments[-1].carrier_name,
            tracking_number=shipments[-1].tracking_number,
        )
    if order.status == "shipped" and all(s.status == "delivered" for s in shipments):
        await orders.deliver_order(session, order.id, actor=actor)


async def _lock_order_then_shipment(
    session: AsyncSession, shipment_id: uuid.UUID
) -> tuple[Order, Shipment]:
    found = await repository.get(session, shipment_id)
    if found is None:
        raise ShipmentNotFound()
    order = await orders.lock_order(session, found.order_id)
    shipment = await repository.lock(session, shipment_id)
    if shipment is None:
        raise ShipmentNotFound()
    return order, shipment


# --------------------------------------------------------------------------- creating


def _ordered_service(order: Order) -> str | None:
    """The shipping method the order was placed with ("Express"), as a carrier service name."""
    method = order.shipping_method or {}
    name = method.get("name") or method.get("code")
    return name if isinstance(name, str) and name else None


async def create_shipment(
    session: AsyncSession,
    container: ShippingPorts,
    order_id: uuid.UUID,
    items: Mapping[uuid.UUID, int] | None,
    *,
    actor: str,
    service: str | None = None,
    weight_grams: int | None = None,
) -> Shipment:
    """Ship some lines (or all that are left): fulfil them on the order (-> partially_fulfilled
    or fulfilled), buy the label from the default carrier, store it, start tracking."""
    shipment_id = uuid.uuid4()
    order = await orders.lock_order(session, order_id)
    wanted = dict(items) if items is not None else orders.remaining_items(order)
    order = await orders.fulfil_order(
        session, order_id, wanted, actor=actor, data={"shipment_id": str(shipment_id)}
    )
    fulfilled = {line_id: qty for line_id, qty in wanted.items() if qty > 0}
    registry: CarrierRegistry = container.carriers
    carrier = registry.default
    weight = weight_grams or await _weight(session, container, order, fulfilled)

    async def buy(service: str | None) -> PurchasedLabel:
        return await carrier.buy_label(
            LabelRequest(
                reference=str(shipment_id),
                origin=registry.origin,
                destination=_destination(order),
                weight_grams=weight,
                service=service,
                currency=order.currency,
            )
        )

    try:
        try:
            # the service the customer chose and paid for, when the carrier has one of that name
            label = await buy(service or _ordered_service(order))
        except CarrierError as exc:
            if service is not None or exc.code != "unknown_service":
                raise
            label = await buy(None)  # the carrier's cheapest
    except CarrierUnavailable as exc:
        log.warning("label_purchase_unavailable", carrier=carrier.name, error=str(exc))
        raise CarrierUnavailableError() from None
    except CarrierError as exc:
        raise CarrierRejected(str(exc), code=exc.code) from None
    extension = "pdf" if label.label_content_type == "application/pdf" else "png"
    label_name = f"{LABEL_FOLDER}/{secrets.token_hex(16)}.{extension}"
    await container.media.save(label_name, label.label, label.label_content_type)
    now = registry.now()
    shipment = Shipment(
        id=shipment_id,
        order_id=order.id,
        carrier=carrier.name,
        carrier_name=label.carrier_name,
        service=label.service,
        tracking_number=label.tracking_number,
        carrier_shipment_id=label.carrier_shipment_id,
        status="label_created",
        weight_grams=weight,
        cost_amount=label.amount,
        cost_currency=label.currency,
        label_name=label_name,
        label_content_type=label.label_content_type,
        estimated_delivery=label.estimated_delivery,
        tracking_mode="webhook" if carrier.sends_webhooks else "poll",
        next_poll_at=now + timedelta(seconds=container.settings.shipping.poll_interval_seconds),
        created_at=now,
        updated_at=now,
        lines=[ShipmentLine(order_line_id=k, quantity=v) for k, v in fulfilled.items()],
        events=[],
    )
    session.add(shipment)
    _merge_events(shipment, label.events, "carrier")
    if not shipment.events:
        _merge_events(
            shipment,
            [
                TrackingUpdate(
                    f"{label.tracking_number}-created", "label_created", now, "Label created"
                )
            ],
            "carrier",
        )
    await session.flush()
    _status_event(session, container, order, shipment, None)
    log.info("shipment_created", shipment_id=str(shipment.id), carrier=carrier.name)
    return shipment


# --------------------------------------------------------------------------- tracking


async def apply_snapshot(
    session: AsyncSession,
    container: ShippingPorts,
    order: Order,
    shipment: Shipment,
    snapshot: TrackingSnapshot,
    *,
    source: str,
    fallback_time: datetime | None = None,
    fallback_key: str | None = None,
) -> bool:
    """Merge a carrier's view into a locked shipment; True when its status changed."""
    updates = list(snapshot.events)
    if not updates and fallback_time is not None and snapshot.status in _RANK:
        # a tracker update without its scan history: the event's own time stands for it
        updates.append(
            TrackingUpdate(
                key=fallback_key or f"{snapshot.status}-{fallback_time.isoformat()}",
                status=snapshot.status,
                occurred_at=fallback_time,
                message=snapshot.status.replace("_", " ").capitalize(),
            )
        )
    _merge_events(shipment, updates, source)
    if snapshot.estimated_delivery is not None and shipment.status not in FINAL_STATUSES:
        shipment.estimated_delivery = snapshot.estimated_delivery
    await session.flush()
    return await _apply_status(
        session, container, order, shipment, actor=f"carrier:{shipment.carrier}"
    )


async def handle_webhook(
    container: ShippingPorts, provider: str, raw_body: bytes, headers: Mapping[str, str]
) -> WebhookOutcome:
    """Verify, then in ONE transaction: de-duplicate by event id and apply the effect."""
    carrier = container.carriers.get(provider)
    try:
        notice = carrier.verify_webhook(raw_body, headers)
    except WebhookRejected as exc:
        log.warning("shipping_webhook_rejected", provider=provider, reason=str(exc))
        WEBHOOKS.labels(provider, "rejected").inc()
        raise WebhookInvalid("The webhook could not be verified.") from None
    tracking_number = notice.snapshot.tracking_number[:64] or None
    async with container.db.session() as session:
        if not await repository.record_webhook_event(
            session, provider, notice.event_id, tracking_number
        ):
            WEBHOOKS.labels(provider, "duplicate").inc()
            return WebhookOutcome(notice.event_id, "duplicate")
        found = (
            await repository.by_tracking_number(session, tracking_number)
            if tracking_number
            else None
        )
        if found is None or found.carrier != provider:
            await repository.set_webhook_outcome(session, provider, notice.event_id, "unmatched")
            WEBHOOKS.labels(provider, "unmatched").inc()
            return WebhookOutcome(notice.event_id, "unmatched")
        order, shipment = await _lock_order_then_shipment(session, found.id)
        await apply_snapshot(
            session,
            container,
            order,
            shipment,
            notice.snapshot,
            source="webhook",
            fallback_time=notice.occurred_at,
            fallback_key=notice.event_id,
        )
        await repository.set_webhook_outcome(session, provider, notice.event_id, "processed")
    WEBHOOKS.labels(provider, "processed").inc()
    return WebhookOutcome(notice.event_id, "processed")


async def poll_shipments(container: ShippingPorts) -> int:
    """Ask carriers without webhooks about shipments that are due; one transaction each.

    A failure backs that shipment off (interval x 2^failures, capped) and never stops the batch.
    Returns how many shipments changed status.
    """
    registry: CarrierRegistry = container.carriers
    config = container.settings.shipping
    pollers = [name for name, c in registry.carriers.items() if not c.sends_webhooks]
    if not pollers:
        return 0
    now = registry.now()
    async with container.db.session(write=False) as session:
        due = await repository.due_for_poll(session, pollers, now, config.poll_batch_size)
    changed = 0
    for shipment_id in due:
        try:
            changed += await _poll_one(container, shipment_id)
        except Exception as exc:  # one failure must not stop the batch; backed off below
            log.warning("shipment_poll_failed", shipment_id=str(shipment_id), error=str(exc))
            await _back_off(container, shipment_id)
    return changed


async def _poll_one(container: ShippingPorts, shipment_id: uuid.UUID) -> int:
    registry: CarrierRegistry = container.carriers
    config = container.settings.shipping
    async with container.db.session(write=False) as session:
        found = await repository.get(session, shipment_id)
        if found is None:
            return 0
        carrier: Carrier = registry.get(found.carrier)
        query = TrackQuery(
            tracking_number=found.tracking_number,
            carrier_shipment_id=found.carrier_shipment_id,
            label_created_at=as_utc(found.created_at),
        )
    snapshot = await carrier.track(query)  # outside any transaction: no lock held on the wire
    async with container.db.session() as session:
        order, shipment = await _lock_order_then_shipment(session, shipment_id)
        if shipment.status in FINAL_STATUSES:
            return 0
        changed = await apply_snapshot(
            session, container, order, shipment, snapshot, source="carrier"
        )
        shipment.poll_failures = 0
        shipment.next_poll_at = registry.now() + timedelta(seconds=config.poll_interval_seconds)
    return int(changed)


async def _back_off(container: ShippingPorts, shipment_id: uuid.UUID) -> None:
    config = container.settings.shipping
    try:
        async with container.db.session() as session:
            shipment = await repository.lock(session, shipment_id)
            if shipment is None:
                return
            shipment.poll_failures += 1
            delay = min(
                config.poll_interval_seconds * 2 ** min(shipment.poll_failures, 20),
                config.poll_backoff_max_seconds,
            )
            shipment.next_poll_at = container.carriers.now() + timedelta(seconds=delay)
    except Exception as exc:  # the next run retries anyway
        log.warning("shipment_backoff_failed", shipment_id=str(shipment_id), error=str(exc))


# --------------------------------------------------------------------------- staff actions


def _staff_event(status: str, message: str, now: datetime) -> TrackingUpdate:
    return TrackingUpdate(
        key=f"staff-{status}-{uuid.uuid4().hex}",
        status=status,
        occurred_at=now,
        message=message,
    )


async def mark_delivered(
    session: AsyncSession,
    container: ShippingPorts,
    shipment_id: uuid.UUID,
    *,
    actor: str,
    note: str | None = None,
) -> Shipment:
    """Staff confirm a delivery by hand (the carrier never reported it)."""
    order, shipment = await _lock_order_then_shipment(session, shipment_id)
    if shipment.status in FINAL_STATUSES:
        if shipment.status == "delivered":
            return shipment  # idempotent
        raise ShipmentConflict(
            f"A {shipment.status} shipment cannot be delivered.",
            extra={"shipment_status": shipment.status},
        )
    now = container.carriers.now()
    latest = max((as_utc(e.occurred_at) for e in shipment.events), default=now)
    _merge_events(
        shipment,
        [_staff_event("delivered", note or "Delivered (confirmed by the shop)", max(now, latest))],
        "staff",
    )
    await session.flush()
    await _apply_status(session, container, order, shipment, actor=actor)
    return shipment


async def void_shipment(
    session: AsyncSession, container: ShippingPorts, shipment_id: uuid.UUID, *, actor: str
) -> Shipment:
    """Void an unused label: the carrier refunds it and its lines go back to unfulfilled."""
    order, shipment = await _lock_order_then_shipment(session, shipment_id)
    if shipment.status == "voided":
        return shipment
    if shipment.status != "label_created":
        raise ShipmentConflict(
            "Only a label that has not been handed to the carrier can be voided.",
            extra={"shipment_status": shipment.status},
        )
    carrier = container.carriers.get(shipment.carrier)
    if shipment.carrier_shipment_id:
        try:
            await carrier.void_label(shipment.carrier_shipment_id)
        except CarrierUnavailable:
            raise CarrierUnavailableError() from None
        except CarrierError as exc:
            raise CarrierRejected(str(exc), code=exc.code) from None
    await orders.unfulfil_order(
        session,
        order.id,
        {line.order_line_id: line.quantity for line in shipment.lines},
        actor=actor,
        data={"shipment_id": str(shipment.id), "voided": True},
    )
    previous = shipment.status
    now = container.carriers.now()
    shipment.status = "voided"
    shipment.voided_at = now
    shipment.updated_at = now
    shipment.next_poll_at = None
    _status_event(session, container, order, shipment, previous)
    await session.flush()
    return shipment


async def hand_over(
    session: AsyncSession,
    container: ShippingPorts,
    order_id: uuid.UUID,
    *,
    actor: str,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> Order:
    """`POST /admin/orders/{id}/ship`: staff hand the order's parcels to the carrier (each label
    still waiting for pickup moves to in_transit) and the order becomes shipped."""
    order = await orders.lock_order(session, order_id)
    if order.status not in ("fulfilled", "partially_fulfilled"):
        raise orders.invalid_transition(order.status, "shipped")
    now = container.carriers.now()
    for found in await repository.for_order(session, order.id):
        if found.status != "label_created":
            continue
        shipment = await repository.lock(session, found.id)
        if shipment is None:
            continue
        _merge_events(
            shipment,
            [_staff_event("in_transit", "Handed to the carrier", now)],
            "staff",
        )
        previous = shipment.status
        shipment.status = "in_transit"
        shipment.shipped_at = now
        shipment.updated_at = now
        _status_event(session, container, order, shipment, previous)
    return await orders.ship_order(
        session, order.id, actor=actor, carrier=carrier, tracking_number=tracking_number
    )


async def deliver_order(
    session: AsyncSession, container: ShippingPorts, order_id: uuid.UUID, *, actor: str
) -> Order:
    """`POST /admin/orders/{id}/deliver`: every parcel of a shipped order is delivered."""
    order = await orders.lock_order(session, order_id)
    if not orders.can_deliver(order):
        raise orders.invalid_transition(order.status, "delivered")
    now = container.carriers.now()
    for found in await repository.for_order(session, order.id):
        if found.status in FINAL_STATUSES:
            continue
        shipment = await repository.lock(session, found.id)
        if shipment is None:
            continue
        _merge_events(
            shipment,
            [_staff_event("delivered", "Delivered (confirmed by the shop)", now)],
            "staff",
        )
        previous = shipment.status
        shipment.status = "delivered"
        shipment.delivered_at = now
        shipment.shipped_at = shipment.shipped_at or now
        shipment.updated_at = now
        _status_event(session, container, order, shipment, previous)
    if order.status != "delivered":
        order = await orders.deliver_order(session, order.id, actor=actor)
    return order


# --------------------------------------------------------------------------- reads


def _events(shipment: Shipment) -> list[TrackingEvent]:
    return sorted(shipment.events, key=_event_sort_key)


def to_read(container: ShippingPorts, shipment: Shipment) -> ShipmentRead:
    return ShipmentRead(**_read_fields(container, shipment))


def _read_fields(container: ShippingPorts, shipment: Shipment) -> dict[str, Any]:
    return {
        "id": shipment.id,
        "carrier": shipment.carrier_name,
        "service": shipment.service,
        "tracking_number": shipment.tracking_number,
        "tracking_url": tracking_url(container, shipment.tracking_number),
        "status": shipment.status,
        "estimated_delivery": shipment.estimated_delivery,
        "lines": [
            ShipmentLineRead(line_id=line.order_line_id, quantity=line.quantity)
            for line in shipment.lines
        ],
        "events": [
            TrackingEventRead(
                status=e.status, message=e.message, location=e.location, occurred_at=e.occurred_at
            )
            for e in _events(shipment)
        ],
        "created_at": shipment.created_at,
        "shipped_at": shipment.shipped_at,
        "delivered_at": shipment.delivered_at,
    }


def to_admin_read(container: ShippingPorts, shipment: Shipment) -> AdminShipmentRead:
    return AdminShipmentRead(
        **_read_fields(container, shipment),
        order_id=shipment.order_id,
        provider=shipment.carrier,
        carrier_shipment_id=shipment.carrier_shipment_id,
        weight_grams=shipment.weight_grams,
        cost=Money(amount=shipment.cost_amount, currency=shipment.cost_currency),
        label_url=(f"/api/v1/admin/shipments/{shipment.id}/label" if shipment.label_name else None),
        tracking_mode=shipment.tracking_mode,
        next_poll_at=shipment.next_poll_at,
        poll_failures=shipment.poll_failures,
        voided_at=shipment.voided_at,
        updated_at=shipment.updated_at,
    )


_PRIVATE_LOCATION = frozenset({"out_for_delivery", "delivered"})
_STAFF_PUBLIC = {"delivered": "Delivered", "in_transit": "Handed to the carrier"}


def to_public(shipment: Shipment) -> TrackingRead:
    """No order, name, address or email; the last mile's location is left out too (it is the
    recipient's neighbourhood)."""
    return TrackingRead(
        tracking_number=shipment.tracking_number,
        carrier=shipment.carrier_name,
        service=shipment.service,
        status=shipment.status,
        estimated_delivery=shipment.estimated_delivery,
        shipped_at=shipment.shipped_at,
        delivered_at=shipment.delivered_at,
        events=[
            PublicTrackingEventRead(
                status=e.status,
                # a staff note is free text (it may name a neighbour): the public get the status
                message=_STAFF_PUBLIC.get(e.status, e.message)
                if e.source == "staff"
                else e.message,
                location=None if e.status in _PRIVATE_LOCATION else e.location,
                occurred_at=e.occurred_at,
            )
            for e in _events(shipment)
        ],
    )


async def order_shipments(session: AsyncSession, order_id: uuid.UUID) -> list[Shipment]:
    return await repository.for_order(session, order_id)


async def get_shipment(session: AsyncSession, shipment_id: uuid.UUID) -> Shipment:
    shipment = await repository.get(session, shipment_id)
    if shipment is None:
        raise ShipmentNotFound()
    return shipment


TRACKING_NUMBER_MAX = 64


def _plausible(tracking_number: str) -> bool:
    return (
        4 <= len(tracking_number) <= TRACKING_NUMBER_MAX
        and tracking_number.isascii()
        and tracking_number.isalnum()
    )


async def public_tracking(session: AsyncSession, tracking_number: str) -> Shipment:
    """The shipment with this tracking number; 404 for anything else (malformed included)."""
    number = tracking_number.strip().upper()
    if not _plausible(number):
        raise TrackingNotFound()
    shipment = await repository.by_tracking_number(session, number)
    if shipment is None or shipment.status == "voided":
        raise TrackingNotFound()
    return shipment


async def label_file(container: ShippingPorts, shipment: Shipment) -> tuple[Any, str]:
    """(local path, content type) of the label; 404 when it is not on this disk."""
    if not shipment.label_name:
        raise NotFound("This shipment has no label.", code="label_not_found")
    path = container.media.local_path(shipment.label_name)
    if path is None:
        raise NotFound("The label is not available.", code="label_not_found")
    return path, shipment.label_content_type or "application/pdf"
