"""Email rendering per event (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from mercato.notifications.handlers import build_email
from mercato.notifications.render import format_money
from mercato.notifications.wording import GENERIC_PAYMENT_FAILURE, payment_failure
from mercato.platform.config import Settings
from mercato.platform.crypto import SecretBox
from mercato.worker.events import Event

BOX = SecretBox("unit-test-secret")


def container() -> Any:
    return SimpleNamespace(
        settings=Settings(env="test", storefront_url="https://shop.example/"), secret_box=BOX
    )


def event(event_type: str, payload: dict[str, Any]) -> Event:
    return Event(uuid.uuid4(), event_type, payload, datetime.now(UTC))


# Intl writes a no-break space between a letter symbol and the digits ("KWD\u00a01.234"); the
# expected texts below write it as a plain space.
@pytest.mark.parametrize(
    ("amount", "currency", "locale", "text"),
    [
        # what the storefront's `formatMoney` writes (storefront/lib/format/money.test.ts)
        (1999, "EUR", "en-GB", "€19.99"),
        (1999, "EUR", "de-DE", "19,99 €"),
        (500, "JPY", "en-GB", "JP¥500"),
        (1234, "KWD", "en-GB", "KWD 1.234"),
        (0, "USD", "en-US", "$0.00"),
        (123456789, "USD", "en-US", "$1,234,567.89"),
        (-250, "EUR", "en-GB", "-€2.50"),
        # and more: the shop's locale is the default, the code in any case, a negative amount in
        # a currency with three decimals, a symbol that is a word
        (0, "EUR", None, "€0.00"),
        (1999, "eur", None, "€19.99"),
        (-5, "USD", None, "-US$0.05"),
        (1500, "JPY", None, "JP¥1,500"),
        (123456789, "EUR", None, "€1,234,567.89"),
        (-1005, "bhd", None, "-BHD 1.005"),
        (2500, "XOF", None, "F\u202fCFA 2,500"),
        (-1234567, "CHF", "de-DE", "-12.345,67 CHF"),
        (1999, "GBP", "fr-FR", "19,99 £GB"),
    ],
)
def test_format_money_writes_what_the_storefront_writes(
    amount: int, currency: str, locale: str | None, text: str
) -> None:
    written = (
        format_money(amount, currency) if locale is None else format_money(amount, currency, locale)
    )
    assert written.replace("\u00a0", " ") == text


def test_format_money_parts_a_word_symbol_with_a_no_break_space() -> None:
    # the space Intl writes, so that an amount never wraps between its symbol and its number
    assert format_money(1234, "KWD") == "KWD\u00a01.234"
    assert format_money(1999, "EUR") == "€19.99"


def test_message_id_is_stable_per_event() -> None:
    e = event("OrderCancelled", {"order_id": "o", "order_number": "MO-1", "email": "a@example.com"})
    first = build_email(container(), e)
    again = build_email(container(), e)
    assert first is not None
    assert again is not None
    assert first.message_id == again.message_id
    assert str(e.id) in first.message_id


def test_reset_link_uses_the_storefront_and_escapes_the_token() -> None:
    e = event(
        "PasswordResetRequested",
        {
            "user_id": "u",
            "email": "a@example.com",
            "full_name": "A",
            "token": BOX.encrypt("a+b/c="),
        },
    )
    email = build_email(container(), e)
    assert email is not None
    assert "https://shop.example/account/reset-password?token=a%2Bb%2Fc%3D" in email.text


@pytest.mark.parametrize(
    ("minutes", "says"),
    [
        (30, "for 30 minutes"),
        (60, "for 1 hour"),
        (90, "for 90 minutes"),
        (None, "for a short time"),
    ],
)
def test_reset_email_says_how_long_the_link_works(minutes: int | None, says: str) -> None:
    payload = {
        "user_id": "u",
        "email": "a@example.com",
        "full_name": "A",
        "token": BOX.encrypt("t"),
    }
    if minutes is not None:
        payload["expires_in_minutes"] = minutes
    email = build_email(container(), event("PasswordResetRequested", payload))
    assert email is not None
    assert f"The link works once, {says}." in email.text
    assert says in email.html
    assert "expires soon" not in email.text


def test_verification_email_says_how_long_the_link_works() -> None:
    payload = {
        "user_id": "u",
        "email": "a@example.com",
        "full_name": "A",
        "token": BOX.encrypt("t"),
        "expires_in_minutes": 24 * 60,
    }
    email = build_email(container(), event("EmailVerificationRequested", payload))
    assert email is not None
    assert "The link works for 1 day." in email.text
    assert "The link works for 1 day." in email.html


def test_events_without_an_email_build_none() -> None:
    assert build_email(container(), event("PaymentSucceeded", {"email": "a@example.com"})) is None


def test_shipping_statuses_pick_their_template() -> None:
    base = {
        "order_id": "o",
        "order_number": "MO-1",
        "email": "a@example.com",
        "carrier": "c",
        "tracking_number": "T",
        "tracking_url": "https://t/T",
    }
    delivered = build_email(container(), event("ShipmentUpdated", {**base, "status": "delivered"}))
    moving = build_email(
        container(), event("ShipmentUpdated", {**base, "status": "out_for_delivery"})
    )
    assert delivered is not None
    assert moving is not None
    assert delivered.subject == "Order MO-1 delivered"
    assert moving.subject == "Order MO-1: Out for delivery"
    assert "https://t/T" in moving.html
    shipped = build_email(
        container(), event("ShipmentUpdated", {**base, "status": "label_created"})
    )
    problem = build_email(
        container(),
        event("ShipmentUpdated", {**base, "status": "exception", "message": "Held at depot"}),
    )
    assert shipped is not None
    assert shipped.subject == "Order MO-1 has shipped"
    assert "https://t/T" in shipped.text
    assert problem is not None
    assert problem.subject == "Order MO-1: a delivery problem"
    assert "Held at depot" in problem.text
    # a plain scan sends nothing; moving again after an exception does
    assert (
        build_email(container(), event("ShipmentUpdated", {**base, "status": "in_transit"})) is None
    )
    again = build_email(
        container(),
        event("ShipmentUpdated", {**base, "status": "in_transit", "previous_status": "exception"}),
    )
    assert again is not None
    assert again.subject == "Order MO-1: On its way"


def test_resent_confirmation_is_the_payment_confirmation_again() -> None:
    payload = {
        "order_id": str(uuid.uuid4()),
        "order_number": "M-1001",
        "email": "ada@example.com",
        "amount": 4990,
        "currency": "EUR",
        "order_url": "http://shop.example/orders/x?token=t",
    }
    original = build_email(
        container(), event("PaymentSucceeded", {**payload, "provider": "sandbox"})
    )
    resent = build_email(container(), event("OrderConfirmationResent", payload))
    assert original is not None
    assert resent is not None
    assert resent.subject == original.subject
    assert resent.to == "ada@example.com"
    assert "http://shop.example/orders/x?token=t" in resent.text
    assert resent.message_id != original.message_id  # a new message, not a duplicate to fold


def _failed(reason: object) -> tuple[str, str]:
    payload = {"order_id": "o", "order_number": "MO-1", "email": "a@example.com"}
    email = build_email(container(), event("PaymentFailed", {**payload, "reason": reason}))
    assert email is not None
    return email.text, email.html


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        # the sandbox gateway's codes
        ("card_declined", "Your card was declined."),
        (
            "payment_intent_authentication_failure",
            "The bank asked for additional verification that was not completed.",
        ),
        # Stripe's last_payment_error.code (or its type), and the intent's status without one
        ("expired_card", "The card has expired."),
        ("incorrect_cvc", "The card's security code (CVC) was not accepted."),
        ("incorrect_number", "The card number was not accepted."),
        ("invalid_expiry_year", "The card's expiry date was not accepted."),
        ("processing_error", "The bank could not process the card: please try again."),
        (
            "authentication_required",
            "The bank asked for additional verification that was not completed.",
        ),
        ("insufficient_funds", "The card has insufficient funds."),
        ("card_error", "Your card was declined."),
        ("canceled", "The payment was cancelled before it was completed."),
    ],
)
def test_payment_failed_says_why_in_words_not_the_code(code: str, sentence: str) -> None:
    text, html = _failed(code)
    assert f"did not go through. {sentence}" in text
    assert sentence.replace("'", "&#39;") in html
    assert code not in text
    assert code not in html


# Stripe's card decline codes (https://docs.stripe.com/declines/codes), which the Stripe adapter
# records as the reason (`last_payment_error.decline_code`).
STRIPE_DECLINE_CODES = (
    "authentication_required", "approve_with_id", "call_issuer", "card_not_supported",
    "card_velocity_exceeded", "currency_not_supported", "do_not_honor", "do_not_try_again",
    "duplicate_transaction", "expired_card", "fraudulent", "generic_decline", "incorrect_number",
    "incorrect_cvc", "incorrect_pin", "incorrect_zip", "insufficient_funds", "invalid_account",
    "invalid_amount", "invalid_cvc", "invalid_expiry_month", "invalid_expiry_year",
    "invalid_number", "invalid_pin", "issuer_not_available", "lost_card", "merchant_blacklist",
    "new_account_information_available", "no_action_taken", "not_permitted",
    "offline_pin_required", "online_or_offline_pin_required", "pickup_card", "pin_try_exceeded",
    "processing_error", "reenter_transaction", "restricted_card",
    "revocation_of_all_authorizations", "revocation_of_authorization", "security_violation",
    "service_not_allowed", "stolen_card", "stop_payment_order", "testmode_decline",
    "transaction_not_allowed", "try_again_later", "withdrawal_count_limit_exceeded",
)  # fmt: skip


@pytest.mark.parametrize("code", STRIPE_DECLINE_CODES)
def test_every_stripe_decline_code_is_worded(code: str) -> None:
    assert payment_failure(code) != GENERIC_PAYMENT_FAILURE
    text, html = _failed(code)
    assert payment_failure(code) in text
    assert code not in text
    assert code not in html


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        ("lost_card", "Your card was declined."),  # no more than that, as Stripe advises
        ("stolen_card", "Your card was declined."),
        ("fraudulent", "Your card was declined."),
        ("merchant_blacklist", "Your card was declined."),
        ("try_again_later", "The bank declined the payment for now: please try again later."),
        ("card_velocity_exceeded", "The card has reached its spending limit."),
        ("Insufficient-Funds", "The card has insufficient funds."),  # read as metrics read it
    ],
)
def test_decline_codes_say_what_they_should(code: str, sentence: str) -> None:
    assert payment_failure(code) == sentence


@pytest.mark.parametrize("code", ["requires_payment_method", "payment_failed", "weird_new_code"])
def test_payment_failed_with_an_unknown_code_is_a_generic_sentence(code: str) -> None:
    text, html = _failed(code)
    assert f"did not go through. {GENERIC_PAYMENT_FAILURE}" in text
    assert GENERIC_PAYMENT_FAILURE in html
    assert code not in text
    assert code not in html


def test_payment_failed_without_a_reason_still_says_something() -> None:
    text, _ = _failed(None)
    assert f"did not go through. {GENERIC_PAYMENT_FAILURE}" in text
    assert "None" not in text


ORDER = {
    "order_id": "o",
    "order_number": "MO-3",
    "email": "a@example.com",
    "customer_name": "Ann",
    "currency": "EUR",
    "subtotal": 2000,
    "discount_total": 200,
    "shipping_total": 495,
    "tax_total": 382,
    "total": 2295,
    "lines": [
        # line_total is after the discount: the email shows quantity x unit price instead
        {"sku": "T-1", "title": "Tea", "quantity": 2, "unit_price": 1000, "line_total": 1800}
    ],
    "order_url": "https://shop.example/orders/o?token=t",
    "prices_include_tax": True,
    "discount_code": "SAVE10",
    "shipping_method": {"name": "Standard", "price": 495},
}


def _received(payload: dict[str, Any], settings: Settings | None = None) -> tuple[str, str]:
    box = container()
    if settings is not None:
        box.settings = settings
    email = build_email(box, event("OrderPlaced", payload))
    assert email is not None
    return email.text, email.html


def test_order_received_says_the_tax_is_included_and_names_the_discount() -> None:
    text, html = _received(ORDER)
    assert "- 2 x Tea (T-1): €20.00" in text  # the lines add up to the subtotal
    assert "18.00" not in text
    assert "Subtotal: €20.00" in text
    assert "Discount (SAVE10): \u2212€2.00" in text
    assert "Shipping (Standard): €4.95" in text
    assert "Included tax: €3.82" in text
    assert "\nTax:" not in text
    assert "Total: €22.95" in text
    for label, value in (
        ("Discount (SAVE10)", "\u2212€2.00"),
        ("Shipping (Standard)", "€4.95"),
        ("Included tax", "€3.82"),
    ):
        assert f'<td>{label}</td><td align="right">{value}</td>' in html
    assert "<strong>Total</strong>" in html
    assert "<strong>€22.95</strong>" in html


def test_order_received_adds_the_tax_when_prices_exclude_it() -> None:
    text, html = _received({**ORDER, "prices_include_tax": False, "total": 2677})
    assert "\nTax: €3.82" in text
    assert "Included tax" not in text
    assert "Included tax" not in html
    assert "<td>Tax</td>" in html


def test_order_received_shows_shipping_waived_by_a_code() -> None:
    waived = {
        **ORDER,
        "discount_total": 0,
        "shipping_total": 0,
        "total": 2000,
        "discount_code": "FREESHIP",
    }
    text, html = _received(waived)
    assert "Shipping (Standard): Free with FREESHIP (was €4.95)" in text
    assert "Free with FREESHIP (was €4.95)" in html
    assert "Discount" not in text  # the code's saving is the shipping, not a discount line
    # a method that is free anyway (over its threshold) is "Free", with no code or "was"
    free = {**waived, "discount_code": None, "shipping_method": {"name": "Standard", "price": 0}}
    text, _ = _received(free)
    assert "Shipping (Standard): Free\n" in text


def test_order_received_recorded_before_the_flag_reads_the_shops_setting() -> None:
    old = {k: v for k, v in ORDER.items() if k not in ("prices_include_tax", "shipping_method")}
    del old["discount_code"]
    text, _ = _received(old)
    assert "Included tax: €3.82" in text
    assert "Discount: \u2212€2.00" in text
    assert "Shipping: €4.95" in text
    exclusive = Settings(env="test", storefront_url="https://shop.example/")
    exclusive.checkout.prices_include_tax = False
    text, _ = _received(old, exclusive)
    assert "\nTax: €3.82" in text
    assert "Included tax" not in text


SHIPMENT = {
    "order_id": "o",
    "order_number": "MO-4",
    "email": "a@example.com",
    "carrier": "Mercato Post",
    "service": "Express",
    "tracking_number": "T",
    "tracking_url": "https://t/T",
}


def test_shipped_email_shows_the_expected_delivery_as_a_date_not_iso() -> None:
    payload = {**SHIPMENT, "status": "label_created", "estimated_delivery": "2026-03-05"}
    shipped = build_email(container(), event("ShipmentUpdated", payload))
    assert shipped is not None
    assert "Expected delivery: 5 March 2026" in shipped.text
    assert "Expected delivery: 5 March 2026" in shipped.html
    assert "2026-03-05" not in shipped.text
    assert "2026-03-05" not in shipped.html
    payload["estimated_delivery"] = "2026-12-24T00:00:00+00:00"  # a date-time reads the same
    shipped = build_email(container(), event("ShipmentUpdated", payload))
    assert shipped is not None
    assert "Expected delivery: 24 December 2026" in shipped.text
    payload["estimated_delivery"] = "next week"  # not a date: no line rather than raw text
    shipped = build_email(container(), event("ShipmentUpdated", payload))
    assert shipped is not None
    assert "Expected delivery" not in shipped.text
    assert "next week" not in shipped.text


def test_returned_parcel_reads_as_a_sentence() -> None:
    returned = build_email(
        container(), event("ShipmentUpdated", {**SHIPMENT, "status": "returned"})
    )
    assert returned is not None
    assert "Your order MO-4 is being returned to us." in returned.text
    assert "is being returned to us." in returned.html
    assert "returned to sender." not in returned.text


@pytest.mark.parametrize(
    ("reason", "sentence"),
    [
        ("cancelled_by_customer", "has been cancelled at your request."),
        ("cancelled_by_admin", "has been cancelled by our team."),
        ("expired", "has been cancelled because it was not paid in time."),
        ("out_of_stock", "has been cancelled (out of stock)."),  # a staff code, in words
        ("Address could not be served", "has been cancelled (Address could not be served)."),
        (None, "Your order MO-1 has been cancelled."),
    ],
)
def test_cancellation_reason_is_words_not_a_code(reason: str | None, sentence: str) -> None:
    payload = {"order_id": "o", "order_number": "MO-1", "email": "a@example.com"}
    email = build_email(container(), event("OrderCancelled", {**payload, "reason": reason}))
    assert email is not None
    assert sentence in email.text
    assert sentence.replace("MO-1", "<strong>MO-1</strong>") in email.html
    for code in ("cancelled_by", "out_of_stock", "None", "expired"):
        assert code not in email.text
        assert code not in email.html


def test_refund_in_a_three_decimal_currency_is_not_shown_as_cents() -> None:
    payload = {"order_id": "o", "order_number": "MO-5", "email": "a@example.com"}
    refund = {**payload, "amount": 1234, "currency": "KWD", "fully_refunded": False}
    email = build_email(container(), event("RefundIssued", refund))
    assert email is not None
    assert "We have refunded KWD\u00a01.234 for" in email.text
    assert "<strong>KWD\u00a01.234</strong>" in email.html
    assert "12.34" not in email.text
