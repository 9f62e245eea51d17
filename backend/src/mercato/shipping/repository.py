"""Shipment queries (the service owns the rules; this owns the SQL)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.platform.pagination import newest_first
from mercato.shipping.models import FINAL_STATUSES, CarrierWebhookEvent, Shipment


async def get(session: AsyncSession, shipment_id: uuid.UUID) -> Shipment | None:
    return await session.get(Shipment, shipment_id)


async def lock(session: AsyncSession, shipment_id: uuid.UUID) -> Shipment | None:
    stmt = (
        select(Shipment)
        .where(Shipment.id == shipment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_tracking_number(session: AsyncSession, tracking_number: str) -> Shipment | None:
    return await session.scalar(select(Shipment).where(Shipment.tracking_number == tracking_number))


async def for_order(session: AsyncSession, order_id: uuid.UUID) -> list[Shipment]:
    rows = await session.scalars(
        select(Shipment)
        .where(Shipment.order_id == order_id)
        .order_by(Shipment.created_at, Shipment.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def page(
    session: AsyncSession,
    *,
    status: str | None,
    exception: bool | None,
    carrier: str | None,
    order_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Shipment], str | None]:
    """Newest first, keyset-paginated on (created_at, id)."""
    stmt = select(Shipment)
    if status:
        stmt = stmt.where(Shipment.status == status)
    if exception is True:
        stmt = stmt.where(Shipment.status == "exception")
    elif exception is False:
        stmt = stmt.where(Shipment.status != "exception")
    if carrier:
        stmt = stmt.where(Shipment.carrier == carrier)
    if order_id is not None:
        stmt = stmt.where(Shipment.order_id == order_id)
    return await newest_first(
        session, stmt, Shipment.created_at, Shipment.id, limit=limit, cursor=cursor
    )


async def due_for_poll(
    session: AsyncSession, carriers: list[str], now: datetime, limit: int
) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Shipment.id)
        .where(
            Shipment.tracking_mode == "poll",
            Shipment.carrier.in_(carriers),
            Shipment.status.not_in(FINAL_STATUSES),
            Shipment.next_poll_at <= now,
        )
        .order_by(Shipment.next_poll_at)
        .limit(limit)
    )
    return list(rows.all())


async def record_webhook_event(
    session: AsyncSession, provider: str, event_id: str, tracking_number: str | None
) -> bool:
    """Insert the de-duplication row; False when this event id was already recorded."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(CarrierWebhookEvent)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(CarrierWebhookEvent)
    statement = (
        statement.values(
            id=uuid.uuid4(),
            provider=provider,
            event_id=event_id,
            tracking_number=tracking_number,
            outcome="received",
        )
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(CarrierWebhookEvent.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def set_webhook_outcome(
    session: AsyncSession, provider: str, event_id: str, outcome: str
) -> None:
    row = await session.scalar(
        select(CarrierWebhookEvent).where(
            CarrierWebhookEvent.provider == provider, CarrierWebhookEvent.event_id == event_id
        )
    )
    if row is not None:
        row.outcome = outcome
