"""Fixtures and helpers for the payments suites: orders placed the way checkout places them
(reserve stock, create the order, start the payment, all in one transaction), the fake Stripe
server, and readers for the ledger."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mercato.bootstrap import Container, build_container
from mercato.inventory import service as inventory
from mercato.main import create_app
from mercato.orders import service as orders
from mercato.payments import service as payments
from mercato.payments.models import Payment, PaymentEvent, PaymentTransaction
from mercato.platform.config import Settings
from tests.conftest import make_settings
from tests.fakes.stripe_server import API_KEY, WEBHOOK_SECRET, FakeStripe, running_fake_stripe

TEST_CARD_OK = "4242 4242 4242 4242"
TEST_CARD_DECLINE = "4000 0000 0000 0002"
TEST_CARD_CHALLENGE = "4000 0025 0000 3155"


@dataclass
class Placed:
    order_id: uuid.UUID
    sku: str
    start: payments.PaymentStart


async def place_order(
    container: Container,
    *,
    amount: int = 2500,
    sku: str | None = None,
    stock: int = 5,
    idempotency_key: str | None = None,
) -> Placed:
    """What checkout does in its transaction: reserve, create the order, start the payment."""
    sku = sku or f"SKU-{uuid.uuid4().hex[:8].upper()}"
    async with container.db.session() as session:
        if stock:
            await inventory.set_on_hand(session, sku, stock, reason="test", actor="tests")
    order_id = uuid.uuid4()
    async with container.db.session() as session:
        await inventory.reserve(session, {sku: 1}, reference=f"order:{order_id}", actor="tests")
        await orders.create_order(session, container.settings, draft(order_id, sku, amount))
        start = await payments.start_payment(
            session,
            container,
            order_id=order_id,
            amount=amount,
            currency="EUR",
            email="shopper@example.com",
            idempotency_key=idempotency_key or uuid.uuid4().hex,
        )
    return Placed(order_id=order_id, sku=sku, start=start)


def draft(order_id: uuid.UUID, sku: str, amount: int) -> orders.OrderDraft:
    address = {
        "name": "Ada Shopper",
        "line1": "1 Test Street",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    }
    return orders.OrderDraft(
        id=order_id,
        customer_id=None,
        email="shopper@example.com",
        customer_name="Ada Shopper",
        cart_id=None,
        currency="EUR",
        subtotal=amount,
        discount_total=0,
        shipping_total=0,
        tax_total=0,
        total=amount,
        prices_include_tax=True,
        shipping_address=address,
        billing_address=address,
        shipping_method={"code": "flat", "name": "Flat", "zone": "EU", "price": 0, "tax": 0},
        discount_code=None,
        customer_note=None,
        retry_url=None,
        lines=[
            orders.OrderLineDraft(
                sku=sku,
                product_id=None,
                variant_id=None,
                product_title="Test product",
                variant_title="",
                quantity=1,
                unit_price=amount,
                subtotal=amount,
                discount_amount=0,
                tax_rate_bp=0,
                tax_amount=0,
                total=amount,
            )
        ],
    )


async def order_status(container: Container, order_id: uuid.UUID) -> str:
    async with container.db.session(write=False) as session:
        info = await orders.get_order_payment_info(session, order_id)
    return str(info.status)


async def payment_row(container: Container, order_id: uuid.UUID) -> Payment:
    async with container.db.session(write=False) as session:
        payment = await session.scalar(select(Payment).where(Payment.order_id == order_id))
    assert payment is not None
    return payment


async def ledger(
    container: Container, order_id: uuid.UUID | None = None
) -> list[PaymentTransaction]:
    query = select(PaymentTransaction).order_by(PaymentTransaction.created_at)
    if order_id is not None:
        query = query.where(PaymentTransaction.order_id == order_id)
    async with container.db.session(write=False) as session:
        return list(await session.scalars(query))


def kinds(rows: list[PaymentTransaction], kind: str) -> list[PaymentTransaction]:
    return [row for row in rows if row.kind == kind]


async def count_rows(container: Container, model: Any) -> int:
    async with container.db.session(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def event_count(container: Container) -> int:
    return await count_rows(container, PaymentEvent)


async def available(container: Container, sku: str) -> int:
    async with container.db.session(write=False) as session:
        return (await inventory.available(session, [sku]))[sku]


# --------------------------------------------------------------------------- Stripe


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    with running_fake_stripe() as fake:
        yield fake


def stripe_settings(db_url: str, tmp_path: Path, api_base: str, **payments: Any) -> Settings:
    config: dict[str, Any] = {
        "provider": "stripe",
        "stripe_api_key": API_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_api_base": api_base,
        "stripe_max_network_retries": 0,
        "stripe_timeout_seconds": 5,
    }
    config.update(payments)
    return make_settings(db_url, tmp_path, payments=config)


@pytest.fixture
async def stripe_container(
    db_url: str, tmp_path: Path, fake_stripe: FakeStripe
) -> AsyncIterator[Container]:
    container = build_container(stripe_settings(db_url, tmp_path, fake_stripe.url))
    try:
        yield container
    finally:
        await container.aclose()


@pytest.fixture
async def stripe_client(stripe_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(stripe_container.settings, stripe_container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def send_stripe_event(
    client: httpx.AsyncClient, body: bytes, header: str | None = None
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    headers["Stripe-Signature"] = header if header is not None else FakeStripe.sign(body)
    return await client.post("/api/v1/payments/stripe/webhook", content=body, headers=headers)
