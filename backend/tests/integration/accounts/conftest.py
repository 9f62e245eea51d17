"""Helpers for the accounts suites."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from mercato.bootstrap import Container
from mercato.platform.outbox import OutboxEvent
from tests.factories import DEFAULT_PASSWORD


async def login(
    client: httpx.AsyncClient,
    email: str,
    password: str = DEFAULT_PASSWORD,
    *,
    ip: str | None = None,
) -> httpx.Response:
    headers = {"X-Request-ID": "fixed-request-id"}
    return await client.post(
        "/api/v1/auth/token", data={"username": email, "password": password}, headers=headers
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def outbox_tokens(container: Container, event_type: str, email: str) -> list[str]:
    """Decrypted tokens of `event_type` events for `email`, oldest first."""
    async with container.db.session(write=False) as session:
        rows = (
            await session.execute(
                select(OutboxEvent)
                .where(OutboxEvent.event_type == event_type)
                .order_by(OutboxEvent.created_at)
            )
        ).scalars()
        return [
            container.secret_box.decrypt(row.payload["token"])
            for row in rows
            if row.payload["email"] == email
        ]
