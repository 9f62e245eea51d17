"""`/api/v1/admin/tasks/dead` (staff only) and `mercato tasks dead|replay`."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from typer.testing import CliRunner

from mercato.bootstrap import Container, build_container
from mercato.platform.config import Settings
from mercato.platform.outbox import OutboxEvent, record_event
from mercato.worker.celery_app import build_celery, queue_name
from mercato.worker.service import record_dead_letter
from tests.factories import auth_headers, create_user

PREFIX = "/api/v1/admin/tasks/dead"


async def dead_event_task(container: Container) -> tuple[uuid.UUID, uuid.UUID]:
    """An outbox event whose handler gave up: dead-lettered, the outbox row marked dead."""
    async with container.db.session() as session:
        event = record_event(session, "OrderPlaced", {"order_id": "o", "email": "a@example.com"})
        event.dead_at = event.created_at
    row = await record_dead_letter(
        container,
        task_id="t-1",
        task_name="mercato.events.handle",
        queue=queue_name(container.settings, "mail"),
        args=[str(event.id), "OrderPlaced"],
        kwargs={},
        retries=3,
        error="SMTPConnectError: connection refused",
    )
    return row.id, event.id


def broker_message(settings: Settings, queue: str) -> object:
    app = build_celery(settings)
    try:
        with app.connection_for_read() as conn:
            simple = conn.SimpleQueue(queue_name(settings, queue))
            message = simple.get(timeout=5)
            message.ack()
            simple.close()
            return message.payload
    finally:
        app.close()


async def test_staff_lists_and_replays_a_dead_task(
    client: httpx.AsyncClient, container: Container
) -> None:
    dead_id, event_id = await dead_event_task(container)
    staff = await create_user(container, role="staff")
    headers = auth_headers(container, staff)

    listed = await client.get(PREFIX, headers=headers)
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert item["id"] == str(dead_id)
    assert item["task_name"] == "mercato.events.handle"
    assert item["args"] == [str(event_id), "OrderPlaced"]
    assert item["replayed_at"] is None

    replayed = await client.post(f"{PREFIX}/{dead_id}/replay", headers=headers)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["replay_count"] == 1
    # the task is on the broker again, with the same arguments
    payload = broker_message(container.settings, "mail")
    assert payload[0] == [str(event_id), "OrderPlaced"]  # type: ignore[index]
    # and the outbox row is watched by the relay again
    async with container.db.session(write=False) as session:
        row = await session.get(OutboxEvent, event_id)
    assert row is not None
    assert row.dead_at is None
    # replayed tasks leave the default listing but stay visible on request
    assert (await client.get(PREFIX, headers=headers)).json()["items"] == []
    everything = await client.get(PREFIX, params={"include_replayed": "true"}, headers=headers)
    assert len(everything.json()["items"]) == 1


async def test_only_staff_may_see_or_replay(
    client: httpx.AsyncClient, container: Container
) -> None:
    dead_id, _ = await dead_event_task(container)
    customer = await create_user(container, role="customer")
    for method, path in (("GET", PREFIX), ("POST", f"{PREFIX}/{dead_id}/replay")):
        anonymous = await client.request(method, path)
        assert anonymous.status_code == 401
        forbidden = await client.request(method, path, headers=auth_headers(container, customer))
        assert forbidden.status_code == 403
        assert forbidden.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{PREFIX}/3104e22b-26e2-4847-afd3-57639511e80b/replay", 404),
        (f"{PREFIX}/not-a-uuid/replay", 422),
    ],
)
async def test_bad_replay_requests_are_4xx(
    client: httpx.AsyncClient, container: Container, path: str, status: int
) -> None:
    staff = await create_user(container, role="staff")
    response = await client.post(path, headers=auth_headers(container, staff))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


async def test_limit_is_validated(client: httpx.AsyncClient, container: Container) -> None:
    staff = await create_user(container, role="staff")
    response = await client.get(PREFIX, params={"limit": 0}, headers=auth_headers(container, staff))
    assert response.status_code == 422


async def test_replay_with_broker_down_is_503_and_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    dead_id, _ = await dead_event_task(container)
    container.settings.broker_url = "amqp://guest:guest@127.0.0.1:1//"
    container.settings.worker.publish_timeout_seconds = 1
    staff = await create_user(container, role="staff")
    response = await client.post(
        f"{PREFIX}/{dead_id}/replay", headers=auth_headers(container, staff)
    )
    assert response.status_code == 503
    assert response.json()["code"] == "broker_unavailable"
    listed = await client.get(PREFIX, headers=auth_headers(container, staff))
    assert listed.json()["items"][0]["replay_count"] == 0


def test_cli_lists_and_replays(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from mercato.cli import app

    async def setup() -> tuple[uuid.UUID, uuid.UUID]:
        container = build_container(settings)
        try:
            return await dead_event_task(container)
        finally:
            await container.aclose()

    dead_id, _ = asyncio.run(setup())
    monkeypatch.setenv("MERCATO_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("MERCATO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MERCATO_BROKER_URL", settings.effective_broker_url)
    runner = CliRunner()
    listed = runner.invoke(app, ["tasks", "dead"])
    assert listed.exit_code == 0, listed.output
    assert str(dead_id) in listed.output
    assert "SMTPConnectError" in listed.output
    assert runner.invoke(app, ["tasks", "replay", "nope"]).exit_code == 2
    assert runner.invoke(app, ["tasks", "replay", str(uuid.uuid4())]).exit_code == 1
    replayed = runner.invoke(app, ["tasks", "replay", str(dead_id)])
    assert replayed.exit_code == 0, replayed.output
    assert "no dead-lettered tasks" in runner.invoke(app, ["tasks", "dead"]).output
