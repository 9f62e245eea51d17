"""Emails for every event, rendered from the templates and delivered to a real SMTP server
(aiosmtpd on loopback) or written as .eml files; handlers are idempotent."""

from __future__ import annotations

import email
import uuid
from collections.abc import AsyncIterator
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mercato.bootstrap import Container, build_container
from mercato.discounts.models import DiscountCode
from mercato.notifications.render import format_money
from mercato.platform.outbox import OutboxEvent, record_event
from mercato.worker.events import dispatch_pending_events
from mercato.worker.models import ProcessedEvent
from tests.conftest import make_settings
from tests.factories import create_product
from tests.fakes.smtp import SmtpServer
from tests.integration.checkout.helpers import API, checkout, expect, ready_cart


@pytest.fixture
async def smtp_container(
    db_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> AsyncIterator[Container]:
    settings = make_settings(
        db_url,
        tmp_path,
        storefront_url="https://shop.example",
        mail={"backend": "smtp", "smtp_port": smtp_server.port, "smtp_timeout_seconds": 5},
    )
    container = build_container(settings)
    yield container
    await container.aclose()


async def emit(container: Container, event_type: str, payload: dict[str, Any]) -> uuid.UUID:
    async with container.db.session() as session:
        event = record_event(session, event_type, payload)
    return event.id


def text_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def html_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


async def test_verification_and_reset_links_carry_the_decrypted_token(
    smtp_container: Container, smtp_server: SmtpServer
) -> None:
    box = smtp_container.secret_box
    base = {"user_id": "u1", "email": "ann@example.com", "full_name": "Ann"}
    await emit(
        smtp_container, "EmailVerificationRequested", {**base, "token": box.encrypt("v-tok")}
    )
    await emit(smtp_container, "PasswordResetRequested", {**base, "token": box.encrypt("r-tok")})
    assert await dispatch_pending_events(smtp_container) == 2
    verify, reset = smtp_server.received()
    assert verify["Subject"] == "Confirm your email address"
    assert "https://shop.example/account/verify-email?token=v-tok" in text_of(verify)
    assert 'href="https://shop.example/account/verify-email?token=v-tok"' in html_of(verify)
    assert reset["Subject"] == "Reset your password"
    assert "https://shop.example/account/reset-password?token=r-tok" in text_of(reset)
    for message in (verify, reset):
        assert message["To"] == "ann@example.com"
        assert box.encrypt("v-tok")[:20] not in message.as_string()


async def test_order_payment_shipping_refund_emails(
    smtp_container: Container, smtp_server: SmtpServer
) -> None:
    order = {"order_id": "o1", "order_number": "MO-7", "email": "bob@example.com"}
    await emit(
        smtp_container,
        "OrderPlaced",
        {
            **order,
            "customer_name": "Bob",
            "currency": "EUR",
            "subtotal": 1000,
            "discount_total": 100,
            "shipping_total": 500,
            "tax_total": 180,
            "total": 1580,
            "prices_include_tax": False,
            "lines": [
                {
                    "sku": "T-1",
                    "title": "Tea",
                    "quantity": 1,
                    "unit_price": 1000,
                    "line_total": 1000,
                }
            ],
            "shipping_address": {"city": "Lyon"},
            "order_url": "https://shop.example/orders/o1?token=sig",
        },
    )
    await emit(
        smtp_container,
        "PaymentFailed",
        {**order, "reason": "card_declined", "retry_url": "https://shop.example/checkout/retry"},
    )
    shipment = {
        **order,
        "carrier": "simulated",
        "tracking_number": "TRK1",
        "tracking_url": "https://shop.example/tracking/TRK1",
    }
    await emit(
        smtp_container,
        "ShipmentUpdated",
        {**shipment, "status": "in_transit", "previous_status": "exception"},
    )
    await emit(smtp_container, "ShipmentUpdated", {**shipment, "status": "delivered"})
    await emit(
        smtp_container,
        "RefundIssued",
        {**order, "amount": 1580, "currency": "EUR", "fully_refunded": True},
    )
    await emit(smtp_container, "OrderCancelled", {**order, "reason": "customer request"})
    await emit(
        smtp_container,
        "PaymentSucceeded",
        {**order, "amount": 1580, "currency": "EUR", "provider": "sandbox"},
    )
    assert await dispatch_pending_events(smtp_container) == 7
    by_subject = {m["Subject"]: m for m in smtp_server.received()}
    assert set(by_subject) == {
        "Order MO-7 received",  # confirmed only once paid
        "Payment for order MO-7 failed",
        "Order MO-7: On its way",
        "Order MO-7 delivered",
        "Refund for order MO-7",
        "Order MO-7 cancelled",
        "Payment for order MO-7 confirmed",
    }
    assert "of €15.80 for" in text_of(by_subject["Payment for order MO-7 confirmed"])
    confirmation = text_of(by_subject["Order MO-7 received"])
    assert "once the payment is confirmed" in confirmation
    assert "https://shop.example/orders/o1?token=sig" in confirmation
    assert "Discount: \u2212€1.00" in confirmation
    assert "Total: €15.80" in confirmation
    assert "Tax: €1.80" in confirmation  # added: the prices exclude it
    assert "Included tax" not in confirmation
    failed = by_subject["Payment for order MO-7 failed"]
    assert "https://shop.example/checkout/retry" in text_of(failed)
    for part in (text_of(failed), html_of(failed)):
        assert "Your card was declined." in part
        assert "card_declined" not in part
    assert "https://shop.example/tracking/TRK1" in html_of(by_subject["Order MO-7: On its way"])
    assert "refunded €15.80 for" in text_of(by_subject["Refund for order MO-7"])
    async with smtp_container.db.session(write=False) as session:
        pending = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
        )
        assert list(pending) == []


async def test_shipped_and_cancelled_emails_show_words_and_dates_not_codes(
    smtp_container: Container, smtp_server: SmtpServer
) -> None:
    order = {"order_id": "o3", "order_number": "MO-9", "email": "eve@example.com"}
    await emit(
        smtp_container,
        "ShipmentUpdated",
        {
            **order,
            "status": "label_created",
            "carrier": "Mercato Post",
            "service": "Express",
            "tracking_number": "TRK9",
            "tracking_url": "https://shop.example/track/TRK9",
            "estimated_delivery": "2026-03-05",  # as shipping records it: date.isoformat()
        },
    )
    await emit(smtp_container, "OrderCancelled", {**order, "reason": "expired"})
    assert await dispatch_pending_events(smtp_container) == 2
    by_subject = {m["Subject"]: m for m in smtp_server.received()}
    shipped = by_subject["Order MO-9 has shipped"]
    cancelled = by_subject["Order MO-9 cancelled"]
    for part in (text_of(shipped), html_of(shipped)):
        assert "Expected delivery: 5 March 2026" in part
        assert "2026-03-05" not in part
    for part in (text_of(cancelled), html_of(cancelled)):
        assert "has been cancelled because it was not paid in time." in part
        assert "expired" not in part


async def test_a_shopper_cancelling_reads_at_your_request(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, title="Tea", price=1500, stock=5, skus=["EM-2"])
    placed = expect(await checkout(client, await ready_cart(client, {"EM-2": 1})), 201)
    cancelled = await client.post(
        f"{API}/orders/{placed['id']}/cancel", params={"token": placed["order_token"]}
    )
    expect(cancelled, 200)
    await dispatch_pending_events(container)
    (message,) = [m for m in mail_files(container) if m["Subject"].endswith("cancelled")]
    for part in (text_of(message), html_of(message)):
        assert f"{placed['number']}" in part
        assert "has been cancelled at your request." in part
        assert "cancelled_by_customer" not in part


async def test_html_is_escaped_text_is_not_and_subject_cannot_inject_headers(
    smtp_container: Container, smtp_server: SmtpServer
) -> None:
    hostile = "<script>alert(1)</script>"
    await emit(
        smtp_container,
        "OrderCancelled",
        {
            "order_id": "o",
            "order_number": "MO-1\r\nBcc: evil@example.com",
            "email": "c@example.com",
            "reason": hostile,
        },
    )
    await dispatch_pending_events(smtp_container)
    (message,) = smtp_server.received()
    assert "&lt;script&gt;" in html_of(message)
    assert hostile not in html_of(message)
    assert hostile in text_of(message)
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"])


async def test_handlers_are_idempotent_per_event(
    smtp_container: Container, smtp_server: SmtpServer
) -> None:
    from mercato.worker.events import handle_event

    event_id = await emit(
        smtp_container,
        "RefundIssued",
        {
            "order_id": "o",
            "order_number": "MO-2",
            "email": "d@example.com",
            "amount": 5,
            "currency": "EUR",
            "fully_refunded": False,
        },
    )
    assert await dispatch_pending_events(smtp_container) == 1
    assert await dispatch_pending_events(smtp_container) == 0
    # a redelivered message for the same event: the handler runs, sends nothing
    async with smtp_container.db.session() as session:
        row = await session.get(OutboxEvent, event_id)
        assert row is not None
        row.processed_at = None
    await handle_event(smtp_container, event_id)
    assert len(smtp_server.received()) == 1
    async with smtp_container.db.session(write=False) as session:
        rows = list(await session.scalars(select(ProcessedEvent)))
    assert [(r.event_id, r.consumer) for r in rows] == [(event_id, "mail")]


async def test_tampered_token_sends_nothing(
    smtp_container: Container, smtp_server: SmtpServer
) -> None:
    await emit(
        smtp_container,
        "PasswordResetRequested",
        {"user_id": "u", "email": "e@example.com", "full_name": "E", "token": "not-a-fernet-token"},
    )
    with pytest.raises(ValueError, match="cannot decrypt"):
        await dispatch_pending_events(smtp_container)
    assert smtp_server.received() == []


async def test_file_mailer_and_mail_list_command(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(db_url, tmp_path)
    container = build_container(settings)
    try:
        await emit(
            container,
            "AbandonedCartReminder",
            {
                "cart_id": "c",
                "email": "f@example.com",
                "full_name": "Fay",
                "lines": [{"title": "Tea", "quantity": 2}],
                "cart_url": "https://shop.example/cart/c",
            },
        )
        assert await dispatch_pending_events(container) == 1
    finally:
        await container.aclose()
    files = list((settings.data_dir / "mail").glob("*.eml"))
    assert len(files) == 1
    assert b"https://shop.example/cart/c" in files[0].read_bytes()
    from mercato.cli import app

    monkeypatch.setenv("MERCATO_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(app, ["mail", "list"])
    assert result.exit_code == 0, result.output
    assert "f@example.com" in result.output
    assert "You left something in your cart" in result.output


def mail_files(container: Container) -> list[Any]:
    files = sorted((container.settings.data_dir / "mail").glob("*.eml"))
    return [email.message_from_bytes(f.read_bytes(), policy=default) for f in files]


async def test_placed_orders_totals_say_what_they_are(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Real checkouts (prices include tax, the default): the lines add up to the subtotal, the
    tax is "Included tax", a code's discount names it and a waived shipping says so."""
    await create_product(container, title="Tea", price=1500, stock=5, skus=["EM-1"])
    async with container.db.session() as session:
        session.add(DiscountCode(code="TENOFF", kind="percentage", value=10, currency="EUR"))
        session.add(DiscountCode(code="SHIPFREE", kind="free_shipping", value=0, currency="EUR"))
    placed: dict[str, dict[str, Any]] = {}
    for code in ("TENOFF", "SHIPFREE"):
        cart_id = await ready_cart(client, {"EM-1": 2})
        applied = await client.post(f"{API}/carts/{cart_id}/discount-codes", json={"code": code})
        expect(applied, 200)
        placed[code] = expect(await checkout(client, cart_id), 201)
    await dispatch_pending_events(container)
    received = {m["Subject"]: m for m in mail_files(container) if m["Subject"].endswith("received")}

    def amount(order: dict[str, Any], field: str) -> str:
        return format_money(order[field]["amount"], order[field]["currency"])

    for code, order in placed.items():
        message = received[f"Order {order['number']} received"]
        text, html = text_of(message), html_of(message)
        method = order["shipping_method"]
        listed = format_money(method["price"], order["currency"])
        # the line is 2 x 15.00, before the discount: the lines add up to the subtotal
        assert "- 2 x Tea - Default (EM-1): €30.00" in text
        assert "Subtotal: €30.00" in text
        assert f"Subtotal: {amount(order, 'subtotal')}" in text
        assert f"Included tax: {amount(order, 'tax_total')}" in text
        assert "Included tax" in html
        assert "\nTax:" not in text
        assert f"Total: {amount(order, 'total')}" in text
        if code == "TENOFF":
            assert f"Discount (TENOFF): \u2212{amount(order, 'discount_total')}" in text
            assert "Discount (TENOFF): \u2212€3.00" in text
            assert f"Shipping ({method['name']}): {listed}" in text
        else:
            waived = f"Free with SHIPFREE (was {listed})"
            assert order["shipping_total"]["amount"] == 0
            assert f"Shipping ({method['name']}): {waived}" in text
            assert waived in html
            assert "Discount" not in text
