"""Invariants under concurrency: no oversell, all-or-nothing reservations, one order per
Idempotency-Key, a single-use discount code used once. Each runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event, func, select, update

from mercato.bootstrap import Container, build_container
from mercato.cart import service as cart_service
from mercato.checkout.models import IdempotencyKey
from mercato.checkout.service import request_hash
from mercato.discounts.models import DiscountCode, DiscountRedemption
from mercato.inventory.models import StockLevel
from mercato.main import create_app
from mercato.orders import service as orders
from mercato.orders.models import Order
from mercato.payments.models import Payment
from mercato.platform.clock import utcnow
from tests.factories import create_product
from tests.integration.checkout.helpers import (
    API,
    DECLINE_CARD,
    checkout,
    expect,
    guest_carts,
    order_count,
    pay,
    ready_cart,
    stock,
)

WRITTEN = re.compile(r"(UPDATE|INSERT INTO) (\w+)")
# the conditional reservation, alone or (PostgreSQL, the last SKU's) with the rows it writes
RESERVATION = "UPDATE STOCK_LEVEL SET RESERVED=(STOCK_LEVEL.RESERVED +"


async def _placed_with_statements(
    client: httpx.AsyncClient, container: Container, cart_id: str
) -> tuple[dict[str, Any], list[str]]:
    """Check the cart out: the 201's body and the statements it ran (whitespace collapsed)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    engine = container.db.write_engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        placed = expect(await checkout(client, cart_id), 201)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return placed, statements


def _short(statement: str) -> str:
    """`UPDATE STOCK_LEVEL SET`; a PostgreSQL statement of several writes (`insert_new`, the
    reservation with its rows) as `INSERT INTO A + INSERT INTO B`, `UPDATE STOCK_LEVEL SET +
    INSERT INTO A`."""
    if statement.startswith("WITH"):
        return " + ".join(
            f"{verb} {table} SET".upper() if verb == "UPDATE" else f"{verb} {table}".upper()
            for verb, table in WRITTEN.findall(statement)
        )
    return " ".join(statement.split()[:3]).upper()


def _codes(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    return Counter(
        (r.status_code, "" if r.status_code == 201 else r.json().get("code", "")) for r in responses
    )


async def test_200_concurrent_checkouts_on_stock_10_never_oversell(
    client: httpx.AsyncClient, container: Container, db_backend: str
) -> None:
    await create_product(container, price=1500, stock=10, skus=["HOT-1"])
    carts = await guest_carts(container, "HOT-1", 200)

    responses = await asyncio.gather(*(checkout(client, cart_id) for cart_id in carts))

    codes = _codes(responses)
    assert codes[(201, "")] == 10, codes
    assert not [r for r in responses if r.status_code >= 500 and r.status_code != 503], codes
    if db_backend == "postgresql":
        assert codes[(409, "insufficient_stock")] == 190, codes
    else:  # SQLite may answer a clean 503 when the write lock stays busy; never a 500
        assert codes[(409, "insufficient_stock")] + codes[(503, "database_busy")] == 190, codes
    assert await order_count(container) == 10
    assert await stock(container, "HOT-1") == (10, 10)  # all reserved, available 0

    for placed in (r.json() for r in responses if r.status_code == 201):
        await pay(client, placed)
    assert await stock(container, "HOT-1") == (0, 0)


async def test_same_sku_over_stock_in_one_cart_reserves_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=10, skus=["TWICE-1"])
    cart_id = await ready_cart(client, {"TWICE-1": 6})
    expect(
        await client.post(f"{API}/carts/{cart_id}/lines", json={"sku": "TWICE-1", "quantity": 6}),
        201,
    )
    response = await checkout(client, cart_id)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert (body["requested"], body["available"]) == (12, 10)
    assert await stock(container, "TWICE-1") == (10, 0)
    assert await order_count(container) == 0
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert cart["status"] == "open"  # the shopper can fix the cart and try again


async def test_multi_sku_checkout_is_all_or_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1000, stock=5, skus=["AON-A"])
    await create_product(container, price=1000, stock=1, skus=["AON-B"])
    cart_id = await ready_cart(client, {"AON-A": 3, "AON-B": 2})
    response = await checkout(client, cart_id)
    assert response.status_code == 409
    assert response.json()["sku"] == "AON-B"
    assert await stock(container, "AON-A") == (5, 0)
    assert await stock(container, "AON-B") == (1, 0)
    assert await order_count(container) == 0


async def test_one_key_sent_50_times_10_in_flight_gives_one_order_and_one_charge(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1200, stock=5, skus=["IDEM-1"])
    cart_id = await ready_cart(client, {"IDEM-1": 1})
    key = str(uuid.uuid4())
    responses: list[httpx.Response] = []
    for _ in range(5):
        responses += await asyncio.gather(*(checkout(client, cart_id, key=key) for _ in range(10)))

    codes = _codes(responses)
    assert set(codes) <= {(201, ""), (409, "request_in_progress")}, codes
    created = [r.json() for r in responses if r.status_code == 201]
    assert created
    assert len({body["id"] for body in created}) == 1
    assert all(body == created[0] for body in created)
    replay = await checkout(client, cart_id, key=key)
    assert replay.status_code == 201
    assert replay.json() == created[0]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert await order_count(container) == 1
    async with container.db.session(write=False) as session:
        assert await session.scalar(select(func.count(Payment.id))) == 1
    assert await stock(container, "IDEM-1") == (5, 1)


async def test_same_key_with_another_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1200, stock=5, skus=["IDEM-2"])
    first = await ready_cart(client, {"IDEM-2": 1})
    second = await ready_cart(client, {"IDEM-2": 2})
    key = str(uuid.uuid4())
    expect(await checkout(client, first, key=key), 201)
    changed = await checkout(client, second, key=key)
    assert changed.status_code == 422
    assert changed.json()["code"] == "idempotency_key_mismatch"
    noted = await checkout(client, first, key=key, customer_note="leave at the door")
    assert noted.status_code == 422
    assert await order_count(container) == 1
    assert await stock(container, "IDEM-2") == (5, 1)


async def test_checkout_without_or_with_a_bad_idempotency_key(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1200, stock=5, skus=["IDEM-3"])
    cart_id = await ready_cart(client, {"IDEM-3": 1})
    missing = await client.post(f"{API}/checkout", json={"cart_id": cart_id})
    assert missing.status_code == 428
    assert missing.json()["code"] == "idempotency_key_required"
    too_long = await checkout(client, cart_id, key="k" * 300)
    assert too_long.status_code == 422
    assert await order_count(container) == 0


async def _discount(container: Container, **values: Any) -> None:
    async with container.db.session() as session:
        session.add(DiscountCode(kind="fixed", value=500, currency="EUR", **values))


async def _carts_with_code(
    container: Container, sku: str, code: str, count: int, email: str | None = None
) -> list[str]:
    carts = await guest_carts(container, sku, count)
    async with container.db.session() as session:
        for cart_id in carts:
            cart = await cart_service.get_open_cart(session, uuid.UUID(cart_id), user_id=None)
            details: dict[str, Any] = {"discount_code": code}
            if email:
                details["email"] = email
            await cart_service.set_details(session, container.settings, cart, **details)
    return carts


async def test_single_use_code_raced_by_50_checkouts_is_used_once(
    client: httpx.AsyncClient, container: Container, db_backend: str
) -> None:
    await create_product(container, price=2000, stock=100, skus=["DISC-1"])
    await _discount(container, code="ONCE", usage_limit=1)
    carts = await _carts_with_code(container, "DISC-1", "ONCE", 50)

    responses = await asyncio.gather(*(checkout(client, cart_id) for cart_id in carts))

    codes = _codes(responses)
    assert codes[(201, "")] == 1, codes
    allowed_failures = {(409, "discount_exhausted")}
    if db_backend == "sqlite":
        allowed_failures.add((503, "database_busy"))
    assert set(codes) - {(201, "")} <= allowed_failures, codes
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert winner["discount_total"]["amount"] == 500
    async with container.db.session(write=False) as session:
        discount = (await session.scalars(select(DiscountCode))).one()
        assert discount.used_count == 1
        assert await session.scalar(select(func.count(DiscountRedemption.id))) == 1
    assert await order_count(container) == 1
    assert await stock(container, "DISC-1") == (100, 1)


async def test_per_customer_limit_holds_under_a_race(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=2000, stock=100, skus=["DISC-2"])
    await _discount(container, code="ONEEACH", per_customer_limit=1)
    carts = await _carts_with_code(container, "DISC-2", "ONEEACH", 6, email="same@example.com")
    responses = await asyncio.gather(*(checkout(client, cart_id) for cart_id in carts))
    codes = _codes(responses)
    assert codes[(201, "")] == 1, codes
    assert all(code == 409 or code == 201 or code == 503 for code, _ in codes), codes
    other = await _carts_with_code(container, "DISC-2", "ONEEACH", 1, email="other@example.com")
    expect(await checkout(client, other[0]), 201)


async def test_a_failed_payment_keeps_the_discount_until_the_order_expires(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=2000, stock=5, skus=["DISC-3"])
    await _discount(container, code="ONCE3", usage_limit=1)
    (cart_id,) = await _carts_with_code(container, "DISC-3", "ONCE3", 1)
    placed = expect(await checkout(client, cart_id), 201)

    await pay(client, placed, DECLINE_CARD)

    async with container.db.session(write=False) as session:  # still held for the retry
        assert (await session.scalars(select(DiscountCode))).one().used_count == 1
    async with container.db.session() as session:
        await session.execute(
            update(Order)
            .where(Order.id == uuid.UUID(placed["id"]))
            .values(created_at=utcnow() - timedelta(days=1))
        )
    assert await orders.expire_unpaid_orders(container) == 1
    async with container.db.session(write=False) as session:  # given back at the TTL
        assert (await session.scalars(select(DiscountCode))).one().used_count == 0
    (other,) = await _carts_with_code(container, "DISC-3", "ONCE3", 1)
    again = expect(await checkout(client, other), 201)
    assert again["discount_total"]["amount"] == 500


async def test_one_cart_checked_out_with_10_different_keys_at_once_gives_one_order(
    client: httpx.AsyncClient, container: Container, db_backend: str
) -> None:
    await create_product(container, price=1000, stock=50, skus=["ONECART-1"])
    cart_id = await ready_cart(client, {"ONECART-1": 2})
    responses = await asyncio.gather(*(checkout(client, cart_id) for _ in range(10)))
    codes = _codes(responses)
    assert codes[(201, "")] == 1, codes
    allowed = {(201, ""), (409, "cart_not_open")}
    if db_backend == "sqlite":
        allowed.add((503, "database_busy"))
    assert set(codes) <= allowed, codes
    assert await order_count(container) == 1
    assert await stock(container, "ONECART-1") == (50, 2)


async def test_a_claim_in_progress_is_409_until_its_lock_expires(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, price=1200, stock=5, skus=["IDEM-4"])
    cart_id = await ready_cart(client, {"IDEM-4": 1})
    digest = request_hash("guest", {"cart_id": cart_id, "customer_note": None})
    async with container.db.session() as session:  # another request holds the key
        session.add(
            IdempotencyKey(scope="guest", key="held", request_hash=digest, owner="someone-else")
        )
    busy = await checkout(client, cart_id, key="held")
    assert busy.status_code == 409
    assert busy.json()["code"] == "request_in_progress"
    assert busy.headers["Retry-After"] == "1"
    assert await order_count(container) == 0
    async with container.db.session() as session:  # ... and crashed long ago
        await session.execute(
            update(IdempotencyKey).values(locked_at=utcnow() - timedelta(minutes=5))
        )
    taken_over = await checkout(client, cart_id, key="held")
    assert taken_over.status_code == 201, taken_over.text
    assert (await checkout(client, cart_id, key="held")).json()["id"] == taken_over.json()["id"]


async def test_a_sold_out_checkout_is_answered_without_waiting_for_the_writers(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The losers of a race are told at once: while another transaction holds the stock row (and,
    on SQLite, the write lock), a checkout for a sold-out SKU answers 409 from a read. On SQLite
    any write transaction (the key's claim, the reservation) would wait for the holder."""
    await create_product(container, price=1500, stock=1, skus=["GONE-1"])
    first, second = await guest_carts(container, "GONE-1", 2)
    expect(await checkout(client, first), 201)

    async with container.db.session() as holder:
        await holder.execute(
            select(StockLevel.sku).where(StockLevel.sku == "GONE-1").with_for_update()
        )
        answer = await asyncio.wait_for(checkout(client, second), timeout=10)
    assert answer.status_code == 409
    assert answer.json()["code"] == "insufficient_stock"
    assert answer.json()["available"] == 0
    async with container.db.session(write=False) as session:
        assert await session.scalar(select(func.count(IdempotencyKey.id))) == 1  # the winner's
    assert await order_count(container) == 1


async def test_the_losers_of_a_burst_never_reach_the_reservation(
    client: httpx.AsyncClient, container: Container
) -> None:
    """200 buyers at once for 10 units: all of them read stock before any winner commits, so the
    read-only refusal cannot stop them. The stock gate lets 10 go on and keeps the rest waiting,
    without a transaction, until the winners' commits show the SKU sold out. Counted here: the
    conditional reservations the database was asked for (190 more without the gate)."""
    await create_product(container, price=1500, stock=10, skus=["BURST-1"])
    carts = await guest_carts(container, "BURST-1", 200)
    container.stock_gate.max_wait_seconds = 300  # a slow machine must not turn waiters loose
    reservations: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if RESERVATION in statement.upper():
            reservations.append(statement)

    engine = container.db.write_engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        responses = await asyncio.gather(*(checkout(client, cart_id) for cart_id in carts))
    finally:
        event.remove(engine, "before_cursor_execute", count)

    codes = _codes(responses)
    assert codes[(201, "")] == 10, codes
    busy = codes[(503, "database_busy")]  # SQLite only; a failed winner lets a waiter go on
    assert codes[(409, "insufficient_stock")] + busy == 190, codes
    assert 10 <= len(reservations) <= 10 + busy, (len(reservations), codes)
    assert await stock(container, "BURST-1") == (10, 10)
    assert container.stock_gate.held("BURST-1") == 0


async def test_a_checkout_takes_the_shared_rows_last(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The stock level and the discount code are rows every buyer shares; on PostgreSQL each
    stays locked from its UPDATE to the commit. So the order, its payment and the stored
    answer are written before them, and after them only their own ledger rows and the outbox."""
    await create_product(container, price=2500, stock=5, skus=["HOT-1", "HOT-2"])
    async with container.db.session() as session:
        session.add(DiscountCode(code="HOTROWS", kind="percentage", value=10, active=True))
    cart_id = await ready_cart(client, {"HOT-2": 1, "HOT-1": 2})
    expect(
        await client.post(f"{API}/carts/{cart_id}/discount-codes", json={"code": "HOTROWS"}), 200
    )

    placed, executed = await _placed_with_statements(client, container, cart_id)
    statements = [_short(statement) for statement in executed]

    assert placed["discount_total"]["amount"] > 0
    first_hot = next(i for i, s in enumerate(statements) if s.startswith("UPDATE STOCK_LEVEL SET"))
    before, after = statements[:first_hot], statements[first_hot:]
    for written in ("INSERT INTO SHOP_ORDER", "INSERT INTO PAYMENT", "UPDATE IDEMPOTENCY_KEY SET"):
        assert any(written in s for s in before), "\n".join(statements)
    allowed = (
        "UPDATE STOCK_LEVEL SET",  # one per SKU, in SKU order
        "INSERT INTO STOCK_MOVEMENT",
        "UPDATE DISCOUNT_CODE SET",
        "SAVEPOINT",
        "INSERT INTO DISCOUNT_REDEMPTION",
        "RELEASE SAVEPOINT",
        "INSERT INTO OUTBOX_EVENT",
    )
    assert all(s.startswith(allowed) for s in after), statements
    reservations = [i for i, s in enumerate(after) if s.startswith("UPDATE STOCK_LEVEL SET")]
    assert len(reservations) == 2
    assert sum("INSERT INTO STOCK_MOVEMENT" in s for s in after) == 1
    assert sum("INSERT INTO OUTBOX_EVENT" in s for s in after) == 1  # the events in one go
    if container.db.dialect == "postgresql":  # with the ledger rows, in the last reservation
        last = after[reservations[-1]]
        assert "INSERT INTO STOCK_MOVEMENT" in last, after
        assert "INSERT INTO OUTBOX_EVENT" in last, after
    assert after.index("UPDATE DISCOUNT_CODE SET") > max(
        reservations
    )  # the lock order of a cancellation: stock, then the code
    assert await stock(container, "HOT-1") == (5, 2)


async def test_a_checkout_reads_its_lines_and_what_they_buy_with_the_claim_in_one_statement(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The claimed cart's lines come with their SKUs' variants, prices and availability: one
    statement, not the lines and then the variants by SKU."""
    await create_product(container, price=2500, stock=5, skus=["ONE-1", "ONE-2"])
    cart_id = await ready_cart(client, {"ONE-2": 1, "ONE-1": 2})
    placed, statements = await _placed_with_statements(client, container, cart_id)

    assert [(line["sku"], line["quantity"]) for line in placed["lines"]] == [
        ("ONE-2", 1),
        ("ONE-1", 2),
    ]
    assert placed["subtotal"]["amount"] == 3 * 2500
    claim = statements.index(next(s for s in statements if s.startswith("UPDATE cart SET")))
    order = statements.index(next(s for s in statements if "INSERT INTO shop_order" in s))
    between = statements[claim + 1 : order]
    assert not any("WHERE catalog_variant.sku IN" in s for s in between), "\n".join(between)
    reads = [s for s in between if s.startswith("SELECT") and "FROM cart_line" in s]
    assert len(reads) == 1, "\n".join(between)
    assert "FROM cart_line LEFT OUTER JOIN catalog_variant" in reads[0]


async def test_two_api_processes_racing_run_one_whole_checkout_per_unit(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Two API processes (two apps, their own stock gates and pools, one database), 100 buyers
    each at once for 10 units. Each admits its share (5); the one whose five commit first holds
    nothing and its share is used: it re-reads the stock while its buyers wait, instead of
    letting one more go the whole way to find out, and the other's commits answer them (ADR
    0048). 10 reservations for 10 units; every other buyer a clean 409."""
    await create_product(container, price=1500, stock=10, skus=["PAIR-1"])
    carts = await guest_carts(container, "PAIR-1", 200)
    other = build_container(container.settings)
    gates = [container.stock_gate, other.stock_gate]
    quiet = 5.0
    for gate in gates:
        gate.processes = 2
        gate.max_wait_seconds = 300  # a slow machine must not turn waiters loose
        # both have buyers: nothing goes on to find out before 5 s without a move (the default
        # 250 ms ceiling let one go on on a busy CI machine). Not longer: when one process's
        # burst ended before the other's began, each used the share it saw and the units left
        # wait for a quiet period, one checkout per process (the gate's design, ADR 0048).
        gate.quiet_floor_seconds = gate.quiet_ceiling_seconds = quiet
    reservations: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if RESERVATION in statement.upper():
            reservations.append(statement)

    engines = [c.db.write_engine.sync_engine for c in (container, other)]
    transport = httpx.ASGITransport(app=create_app(other.settings, other))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as peer:
            for engine in engines:
                event.listen(engine, "before_cursor_execute", count)
            started = time.monotonic()
            responses = await asyncio.gather(
                *(checkout(peer if n % 2 else client, cart) for n, cart in enumerate(carts))
            )
            took = time.monotonic() - started
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
        await other.aclose()

    codes = _codes(responses)
    busy = codes[(503, "database_busy")]  # SQLite only; a failed winner lets a waiter go on
    assert codes[(201, "")] == 10, codes
    assert codes[(409, "insufficient_stock")] + busy == 190, codes
    if took < quiet:  # no quiet period passed: no checkout went on to find out
        assert len(reservations) == 10 + busy, (len(reservations), codes)
    else:  # at most one per process per quiet period, and the race was over in one
        assert 10 + busy <= len(reservations) <= 10 + busy + len(gates), (len(reservations), took)
    assert await stock(container, "PAIR-1") == (10, 10)
    assert [gate.held("PAIR-1") for gate in gates] == [0, 0]
