"""Pure rules: the webhook signature scheme (both sides of the tolerance window) and the
sandbox's card checks."""

from __future__ import annotations

import time
from datetime import date

import pytest

from mercato.payments.providers import signing
from mercato.payments.providers.port import WebhookRejected
from mercato.payments.providers.sandbox import check_card, luhn_valid
from mercato.payments.providers.stripe import StripeGateway
from mercato.platform.errors import ValidationFailed

BODY = b'{"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {}}'
SECRET = "whsec_unit"
NOW = 1_800_000_000


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (0, True),
        (-300, True),
        (300, True),
        (-301, False),
        (301, False),
        (-600, False),
        (600, False),
    ],
)
def test_tolerance_applies_to_past_and_future(offset: int, accepted: bool) -> None:
    header = signing.sign(BODY, SECRET, NOW + offset)
    if accepted:
        signing.verify(BODY, header, SECRET, tolerance=300, now=NOW)
    else:
        with pytest.raises(WebhookRejected):
            signing.verify(BODY, header, SECRET, tolerance=300, now=NOW)


def test_stripe_gateway_adds_the_future_check_to_stripes_library() -> None:
    gateway = StripeGateway(
        api_key="sk_test_x", webhook_secret=SECRET, api_base=None, tolerance_seconds=300
    )
    now = int(time.time())
    ok = gateway.parse_and_verify_webhook(BODY, {"Stripe-Signature": signing.sign(BODY, SECRET)})
    assert (ok.id, ok.type) == ("evt_1", "payment_intent.succeeded")
    for stamp in (now - 301, now + 600):
        with pytest.raises(WebhookRejected):
            gateway.parse_and_verify_webhook(
                BODY, {"stripe-signature": signing.sign(BODY, SECRET, stamp)}
            )
    with pytest.raises(WebhookRejected):
        gateway.parse_and_verify_webhook(BODY, {})
    unconfigured = StripeGateway(
        api_key="sk_test_x", webhook_secret=None, api_base=None, tolerance_seconds=300
    )
    with pytest.raises(WebhookRejected):
        unconfigured.parse_and_verify_webhook(
            BODY, {"Stripe-Signature": signing.sign(BODY, SECRET)}
        )


def test_parse_event_finds_the_intent_of_each_object_kind() -> None:
    def event(obj: str) -> bytes:
        return (
            b'{"id": "evt_9", "object": "event", "type": "t", "created": 5, "data": {"object": '
            + obj.encode()
            + b"}}"
        )

    assert (
        signing.parse_event(event('{"object": "payment_intent", "id": "pi_1"}')).intent_id == "pi_1"
    )
    assert (
        signing.parse_event(event('{"object": "charge", "payment_intent": "pi_2"}')).intent_id
        == "pi_2"
    )
    assert (
        signing.parse_event(event('{"object": "refund", "payment_intent": "pi_3"}')).intent_id
        == "pi_3"
    )
    assert signing.parse_event(event('{"object": "customer", "id": "cus_1"}')).intent_id is None


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4242424242424242", True),
        ("4000000000000002", True),
        ("4000002500003155", True),
        ("4242424242424241", False),
        ("79927398713", True),
        ("79927398710", False),
    ],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


def test_check_card_outcomes_and_refusals() -> None:
    today = date(2030, 6, 15)
    assert check_card("4242 4242 4242 4242", 6, 2030, "123", today=today).outcome == "succeeds"
    assert check_card("4000-0000-0000-0002", 1, 31, "1234", today=today).outcome == "declines"
    challenge = check_card("4000002500003155", 12, 2099, "000", today=today)
    assert (challenge.outcome, challenge.last4, challenge.brand) == ("challenge", "3155", "visa")
    refusals = [
        (("5555555555554444", 1, 2099, "123"), "card_not_test_card"),
        (("4242424242424241", 1, 2099, "123"), "card_number_invalid"),
        (("4242424242424242", 5, 2030, "123"), "card_expired"),
        (("4242424242424242", 0, 2099, "123"), "card_expired"),
        (("4242424242424242", 1, 2099, "12"), "card_cvc_invalid"),
        (("42424242", 1, 2099, "123"), "card_number_invalid"),
    ]
    for (number, month, year, cvc), code in refusals:
        with pytest.raises(ValidationFailed) as excinfo:
            check_card(number, month, year, cvc, today=today)
        assert excinfo.value.code == code
        assert number not in str(excinfo.value)
