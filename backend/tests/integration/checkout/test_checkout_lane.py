"""The checkout's lane at the edge (`checkout/lane.py`): a buyer turned away, an order placed and a
checkout that fails are answered before the middleware stack with what the full stack sends (its
bytes, headers and log lines); an admitted buyer's checkout reads once, not twice, and gives its
hold back; every other request reaches the full stack and gets its answer."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from mercato.bootstrap import Container, build_container
from mercato.checkout import service as checkout_service
from mercato.main import create_app
from mercato.orders.models import Order
from tests.conftest import make_settings
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import API, checkout, guest_carts, new_cart, ready_cart

REQUEST_ID = "lane-test-0001"


class FullStackCalls:
    """Counts the requests that reach the full stack (Starlette's middleware and FastAPI)."""

    def __init__(self, app: Any) -> None:
        self.count = 0
        inner = app.build_middleware_stack()

        async def counted(scope: Any, receive: Any, send: Any) -> None:
            self.count += 1
            await inner(scope, receive, send)

        app.middleware_stack = counted


async def _sold_out_cart(client: httpx.AsyncClient, container: Container, sku: str) -> str:
    """A ready cart for a SKU whose one unit another buyer has just taken."""
    await create_product(container, price=1500, stock=1, skus=[sku])
    winner, loser = await guest_carts(container, sku, 2)
    assert (await checkout(client, winner)).status_code == 201
    return loser


async def test_a_buyer_turned_away_gets_the_full_stacks_bytes_from_the_lane(
    app: Any, client: httpx.AsyncClient, container: Container
) -> None:
    cart_id = await _sold_out_cart(client, container, "LANE-1")
    calls = FullStackCalls(app)
    headers = {"X-Request-ID": REQUEST_ID}

    from_lane = await checkout(client, cart_id, headers=headers)
    assert calls.count == 0  # answered at the edge
    lanes, app.edge.lanes = app.edge.lanes, {}
    try:
        from_stack = await checkout(client, cart_id, headers=headers)
    finally:
        app.edge.lanes = lanes
    assert calls.count == 1

    assert from_lane.status_code == from_stack.status_code == 409
    assert from_lane.json()["code"] == "insufficient_stock"
    assert from_lane.json()["request_id"] == REQUEST_ID
    assert from_lane.content == from_stack.content
    assert sorted(from_lane.headers.multi_items()) == sorted(from_stack.headers.multi_items())


async def test_an_admitted_buyer_is_answered_by_the_lane_with_one_read_and_gives_its_hold_back(
    app: Any, client: httpx.AsyncClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_product(container, price=1500, stock=5, skus=["LANE-2"])
    by_lane, by_stack = await guest_carts(container, "LANE-2", 2)
    calls = FullStackCalls(app)
    reads = container.demand_reads
    read_count = 0
    original = reads.read

    async def counted_read(*args: Any) -> Any:
        nonlocal read_count
        read_count += 1
        return await original(*args)

    monkeypatch.setattr(reads, "read", counted_read)

    from_lane = await checkout(client, by_lane)
    assert from_lane.status_code == 201, from_lane.text
    assert (calls.count, read_count) == (0, 1)  # placed at the edge, after one read
    assert container.stock_gate.held("LANE-2") == 0
    lanes, app.edge.lanes = app.edge.lanes, {}
    try:
        from_stack = await checkout(client, by_stack)
    finally:
        app.edge.lanes = lanes
    assert from_stack.status_code == 201, from_stack.text
    assert calls.count == 1

    # Two orders: the same headers (but the length and request id), the same shape of body.
    def comparable(response: httpx.Response) -> list[tuple[str, str]]:
        return sorted(
            (name, value)
            for name, value in response.headers.multi_items()
            if name not in ("content-length", "x-request-id")
        )

    assert comparable(from_lane) == comparable(from_stack)
    lane_body, stack_body = from_lane.json(), from_stack.json()
    assert list(lane_body) == list(stack_body)
    assert list(lane_body["payment"]) == list(stack_body["payment"])
    assert lane_body["status"] == stack_body["status"] == "pending_payment"
    assert lane_body["total"] == stack_body["total"]
    assert lane_body["lines"][0]["sku"] == "LANE-2"
    assert lane_body["id"] != stack_body["id"]
    # The lane's bytes are those the route's JSONResponse renders of the same body.
    assert from_lane.content == JSONResponse(lane_body).body


async def test_a_checkout_that_fails_gets_the_full_stacks_problem_from_the_lane(
    app: Any, client: httpx.AsyncClient, container: Container
) -> None:
    """A cart in stock whose address was never set: admitted, then refused by the checkout."""
    await create_product(container, price=1500, stock=5, skus=["LANE-6"])
    cart_id = await new_cart(client)
    response = await client.post(
        f"{API}/carts/{cart_id}/lines", json={"sku": "LANE-6", "quantity": 1}
    )
    assert response.status_code == 201, response.text
    calls = FullStackCalls(app)
    headers = {"X-Request-ID": REQUEST_ID}

    from_lane = await checkout(client, cart_id, headers=headers)
    assert calls.count == 0
    lanes, app.edge.lanes = app.edge.lanes, {}
    try:
        from_stack = await checkout(client, cart_id, headers=headers)
    finally:
        app.edge.lanes = lanes
    assert calls.count == 1

    assert from_lane.status_code == from_stack.status_code == 422
    assert from_lane.json()["code"] == "checkout_incomplete"
    assert from_lane.content == from_stack.content
    assert sorted(from_lane.headers.multi_items()) == sorted(from_stack.headers.multi_items())
    assert container.stock_gate.held("LANE-6") == 0


async def test_an_unexpected_error_is_the_full_stacks_500_from_the_lane_logged_with_its_request_id(
    logged: tuple[Any, httpx.AsyncClient, Container],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, client, container = logged
    await create_product(container, price=1500, stock=5, skus=["LANE-7"])
    by_lane, by_stack = await guest_carts(container, "LANE-7", 2)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the secret box is gone")

    monkeypatch.setattr(checkout_service, "_encrypt_secret", broken)
    calls = FullStackCalls(app)
    capsys.readouterr()

    from_lane = await checkout(client, by_lane, headers={"X-Request-ID": "lane-a"})
    assert calls.count == 0
    lanes, app.edge.lanes = app.edge.lanes, {}
    try:
        from_stack = await checkout(client, by_stack, headers={"X-Request-ID": "lane-b"})
    finally:
        app.edge.lanes = lanes
    assert calls.count == 1

    assert from_lane.status_code == from_stack.status_code == 500
    assert from_lane.json()["code"] == "internal_error"
    assert from_lane.content == from_stack.content.replace(b"lane-b", b"lane-a")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    errors = [line for line in lines if line.get("message") == "unhandled_error"]
    assert len(errors) == 2  # each logged once, with its stack
    assert all("the secret box is gone" in line["exception"] for line in errors)
    assert [line["request_id"] for line in errors] == ["lane-a", "lane-b"]  # each with its own
    assert container.stock_gate.held("LANE-7") == 0
    async with container.db.session() as session:  # nothing of either order was kept
        assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def test_no_free_connection_gets_the_full_stacks_503_from_the_lane_after_one_wait(
    app: Any, client: httpx.AsyncClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_product(container, price=1500, stock=5, skus=["LANE-5"])
    (cart_id,) = await guest_carts(container, "LANE-5", 1)
    calls = FullStackCalls(app)
    waits = 0

    async def no_connection_came_free(*_args: Any) -> Any:
        nonlocal waits
        waits += 1  # each is a whole pool timeout in production
        raise PoolTimeout("QueuePool limit of size 1 overflow 0 reached, connection timed out")

    monkeypatch.setattr(container.demand_reads, "read", no_connection_came_free)
    headers = {"X-Request-ID": REQUEST_ID}

    from_lane = await checkout(client, cart_id, headers=headers)
    assert (calls.count, waits) == (0, 1)  # answered at the edge after one wait
    lanes, app.edge.lanes = app.edge.lanes, {}
    try:
        from_stack = await checkout(client, cart_id, headers=headers)
    finally:
        app.edge.lanes = lanes
    assert (calls.count, waits) == (1, 2)

    assert from_lane.status_code == from_stack.status_code == 503
    assert from_lane.json()["code"] == "database_busy"
    assert from_lane.headers["retry-after"] == "1"
    assert from_lane.content == from_stack.content
    assert sorted(from_lane.headers.multi_items()) == sorted(from_stack.headers.multi_items())
    assert container.stock_gate.held("LANE-5") == 0


@pytest.fixture
async def logged(
    db_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Any, httpx.AsyncClient, Container]]:
    """An app that writes its access lines (INFO)."""
    settings = make_settings(db_url, tmp_path, log_level="INFO")
    container = build_container(settings)
    app = create_app(settings, container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield app, client, container
    finally:
        await container.aclose()


async def test_a_signed_in_buyer_turned_away_is_answered_by_the_lane_as_by_the_full_stack(
    logged: tuple[Any, httpx.AsyncClient, Container], capsys: pytest.CaptureFixture[str]
) -> None:
    app, client, container = logged
    await create_product(container, price=1500, stock=1, skus=["LANE-4"])
    (winner,) = await guest_carts(container, "LANE-4", 1)
    headers = auth_headers(container, await create_user(container))
    cart_id = await ready_cart(client, {"LANE-4": 1}, headers=headers)
    assert (await checkout(client, winner)).status_code == 201
    calls = FullStackCalls(app)
    capsys.readouterr()

    from_lane = await checkout(client, cart_id, headers={**headers, "X-Request-ID": "lane-a"})
    assert calls.count == 0
    lanes, app.edge.lanes = app.edge.lanes, {}
    try:
        from_stack = await checkout(client, cart_id, headers={**headers, "X-Request-ID": "lane-b"})
    finally:
        app.edge.lanes = lanes
    assert calls.count == 1

    assert from_lane.status_code == from_stack.status_code == 409
    assert from_lane.content == from_stack.content.replace(b"lane-b", b"lane-a")
    lines = {
        line["request_id"]: line
        for line in map(json.loads, capsys.readouterr().out.splitlines())
        if line.get("logger") == "mercato.access"
    }
    lane_line, stack_line = lines["lane-a"], lines["lane-b"]
    assert lane_line["user_hash"] is not None
    for field in ("user_hash", "method", "path", "route", "status", "client", "level"):
        assert lane_line[field] == stack_line[field], field


def _doubled_key() -> list[tuple[str, str]]:
    return [("Idempotency-Key", str(uuid.uuid4())), ("Idempotency-Key", str(uuid.uuid4()))]


# (what is unusual, request keyword arguments given a cart id): each must reach the full stack
LEFT_TO_THE_FULL_STACK: list[tuple[str, Any]] = [
    ("no key", lambda cart: {"json": {"cart_id": cart}}),
    ("doubled key", lambda cart: {"json": {"cart_id": cart}, "headers": _doubled_key()}),
    (
        "an unknown field",
        lambda cart: {"json": {"cart_id": cart, "coupon": "X"}, "headers": _key()},
    ),
    ("a cart id that is no UUID", lambda cart: {"json": {"cart_id": "nope"}, "headers": _key()}),
    ("a JSON array", lambda cart: {"json": [cart], "headers": _key()}),
    (
        "a NUL in the note",
        lambda cart: {"json": {"cart_id": cart, "customer_note": "a\x00b"}, "headers": _key()},
    ),
    (
        "a bearer token",
        lambda cart: {
            "json": {"cart_id": cart},
            "headers": {**_key(), "Authorization": "Bearer not-a-token"},
        },
    ),
    (
        "not JSON",
        lambda cart: {
            "content": f'{{"cart_id": "{cart}"}}',
            "headers": {**_key(), "Content-Type": "text/plain"},
        },
    ),
    (
        "a doubled content type",
        lambda cart: {
            "content": f'{{"cart_id": "{cart}"}}',
            "headers": [
                *_key().items(),
                ("Content-Type", "text/plain"),
                ("Content-Type", "application/json"),
            ],
        },
    ),
    (
        "an Origin",
        lambda cart: {
            "json": {"cart_id": cart},
            "headers": {**_key(), "Origin": "https://shop.example"},
        },
    ),
    ("a query string", lambda cart: {"json": {"cart_id": cart}, "headers": _key(), "q": "x=1"}),
    (
        "a body too large",
        lambda cart: {
            "json": {"cart_id": cart, "customer_note": "n" * 5000},
            "headers": _key(),
        },
    ),
]


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.mark.parametrize(
    "request_kwargs",
    [case for _, case in LEFT_TO_THE_FULL_STACK],
    ids=[name for name, _ in LEFT_TO_THE_FULL_STACK],
)
async def test_an_unusual_request_reaches_the_full_stack_and_gets_its_answer(
    app: Any, client: httpx.AsyncClient, container: Container, request_kwargs: Any
) -> None:
    cart_id = await _sold_out_cart(client, container, "LANE-3")
    calls = FullStackCalls(app)
    kwargs = request_kwargs(cart_id)
    query = kwargs.pop("q", "")

    response = await client.post(f"{API}/checkout" + (f"?{query}" if query else ""), **kwargs)

    assert calls.count == 1
    assert response.status_code != 500
    if query or "Origin" in str(kwargs.get("headers")):
        assert response.status_code == 409  # the full stack's refusal, with CORS or a query
    else:
        assert 400 <= response.status_code < 500, response.text
        assert response.status_code != 409, response.text
