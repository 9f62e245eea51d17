"""A fake Stripe API on 127.0.0.1 speaking Stripe's wire format (for the official SDK).

Implements what Mercato uses: PaymentIntents (create, retrieve, capture, cancel) and Refunds
(create, list by payment_intent). Requests are form-encoded (`metadata[order_id]=…`), responses
are Stripe's JSON objects and error envelopes (`{"error": {"type", "code", "message"}}`), with
Idempotency-Key replay semantics (same key + same parameters → the stored response with
`Idempotent-Replayed: true`; different parameters → 400 `idempotency_error`).

Test controls (plain Python, thread-safe): `confirm(pi, outcome, decline_code=…)` plays the
shopper's confirmation in Stripe.js (a decline carries Stripe's `last_payment_error`: `code`
`card_declined` with the issuer's reason in `decline_code`); `fail_with_api_error` /
`drop_connections` simulate outages (500 `api_error` / a connection closed without an answer);
`requests` records every call with its headers; `event()` builds a webhook body and `sign()` its
header.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mercato.payments.providers import signing

API_KEY = "sk_test_fake_mercato"
WEBHOOK_SECRET = "whsec_fake_mercato"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.type, self.code, self.message = status, type_, code, message

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        return {"error": error}


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


# Card errors as Stripe's test cards produce them: decline code -> (`code`, `message`). Most
# issuer declines are `code: card_declined` with the reason in `decline_code`; a few reasons are
# their own code too (an expired card is `code: expired_card, decline_code: expired_card`).
DECLINES: dict[str, tuple[str, str]] = {
    "generic_decline": ("card_declined", "Your card was declined."),
    "insufficient_funds": ("card_declined", "Your card has insufficient funds."),
    "lost_card": ("card_declined", "Your card was declined."),
    "stolen_card": ("card_declined", "Your card was declined."),
    "fraudulent": ("card_declined", "Your card was declined."),
    "card_velocity_exceeded": (
        "card_declined",
        "Your card has exceeded its velocity limit.",
    ),
    "try_again_later": ("card_declined", "Your card was declined."),
    "expired_card": ("expired_card", "Your card has expired."),
    "incorrect_cvc": ("incorrect_cvc", "Your card's security code is incorrect."),
    "processing_error": (
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
}


def _card_payment_method() -> dict[str, Any]:
    return {
        "id": _new_id("pm"),
        "object": "payment_method",
        "billing_details": {"address": {}, "email": None, "name": None, "phone": None},
        "card": {"brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2034},
        "created": int(time.time()),
        "customer": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def _card_error(decline_code: str, charge: str) -> dict[str, Any]:
    """`last_payment_error` after an issuer decline, in Stripe's wire shape."""
    code, message = DECLINES[decline_code]
    return {
        "type": "card_error",
        "code": code,
        "decline_code": decline_code,
        "advice_code": "try_again_later" if decline_code == "insufficient_funds" else None,
        "charge": charge,
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
        "message": message,
        "payment_method": _card_payment_method(),
    }


@dataclass
class FakeStripe:
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    idempotent: dict[str, tuple[str, dict[str, str], int, bytes]] = field(default_factory=dict)
    fail_with_api_error: bool = False
    drop_connections: bool = False  # close the socket without answering
    # set to an Event: the next PaymentIntent creation waits for it (`intent_paused` tells when)
    pause_next_intent: threading.Event | None = None
    intent_paused: threading.Event = field(default_factory=threading.Event)
    lock: threading.RLock = field(default_factory=threading.RLock)
    url: str = ""

    # ------------------------------------------------------------------ test controls

    def confirm(
        self, intent_id: str, outcome: str = "succeeded", *, decline_code: str = "generic_decline"
    ) -> dict[str, Any]:
        """Move an intent as Stripe would after the shopper confirms in the Payment Element.

        `declined` fails the attempt with a card error as Stripe's test card for `decline_code`
        does (`DECLINES`); `authentication_failed` as a 3-D Secure challenge that was failed."""
        with self.lock:
            pi = self.intents[intent_id]
            if pi["status"] in ("canceled", "succeeded", "requires_capture"):
                raise ValueError(f"Stripe refuses to confirm a {pi['status']} PaymentIntent")
            pi["last_payment_error"] = None
            if outcome == "declined":
                pi["status"] = "requires_payment_method"
                pi["latest_charge"] = _new_id("ch")  # the declined charge
                pi["last_payment_error"] = _card_error(decline_code, pi["latest_charge"])
            elif outcome == "authentication_failed":  # 3-D Secure not completed: no charge
                pi["status"] = "requires_payment_method"
                pi["last_payment_error"] = {
                    "type": "invalid_request_error",
                    "code": "payment_intent_authentication_failure",
                    "doc_url": "https://stripe.com/docs/error-codes/"
                    "payment-intent-authentication-failure",
                    "message": "The provided PaymentMethod has failed authentication. You can "
                    "provide payment_method_data or a new PaymentMethod to attempt to fulfill "
                    "this PaymentIntent again.",
                    "payment_method": _card_payment_method(),
                }
            elif outcome == "processing":
                pi["status"] = "processing"
            elif outcome == "requires_action":
                pi["status"] = "requires_action"
                pi["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
            elif outcome == "succeeded" and pi["capture_method"].startswith("manual"):
                pi["status"] = "requires_capture"
                pi["amount_capturable"] = pi["amount"]
                pi["latest_charge"] = _new_id("ch")
            elif outcome == "succeeded":
                pi["status"] = "succeeded"
                pi["amount_received"] = pi["amount"]
                pi["latest_charge"] = _new_id("ch")
            else:
                raise ValueError(outcome)
            return dict(pi)

    def refund_directly(self, intent_id: str, amount: int) -> dict[str, Any]:
        """A refund made in Stripe's dashboard (we learn about it from a webhook only)."""
        with self.lock:
            return self._create_refund({"payment_intent": intent_id, "amount": str(amount)})

    def event(self, event_type: str, intent_id: str) -> bytes:
        """A webhook body as Stripe sends it: the object's snapshot at sending time."""
        with self.lock:
            pi = dict(self.intents[intent_id])
        obj: dict[str, Any] = pi
        if event_type.startswith("charge."):
            refunded = sum(
                r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent_id
            )
            obj = {
                "id": pi["latest_charge"],
                "object": "charge",
                "amount": pi["amount"],
                "amount_captured": pi["amount_received"],
                "amount_refunded": refunded,
                "currency": pi["currency"],
                "payment_intent": intent_id,
                "refunded": refunded >= pi["amount_received"] > 0,
            }
        document = {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        return json.dumps(document, indent=2).encode()

    @staticmethod
    def sign(body: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
        return signing.sign(body, secret, timestamp)

    def calls(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        with self.lock:
            return [
                r for r in self.requests if r.method == method and r.path.startswith(path_prefix)
            ]

    # ------------------------------------------------------------------ API

    def handle(
        self, method: str, path: str, headers: dict[str, str], params: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        with self.lock:
            self.requests.append(RecordedRequest(method, path, headers, params))
            extra = {"Request-Id": _new_id("req")}
            if self.fail_with_api_error:
                error = StripeError(500, "api_error", "An unknown error occurred.")
                return 500, json.dumps(error.body()).encode(), extra
            if headers.get("authorization") != f"Bearer {API_KEY}":
                error = StripeError(401, "invalid_request_error", "Invalid API Key provided.")
                return 401, json.dumps(error.body()).encode(), extra
            key = headers.get("idempotency-key")
            if method == "POST" and key:
                stored = self.idempotent.get(key)
                if stored is not None:
                    if stored[0] != path or stored[1] != params:
                        error = StripeError(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        )
                        return 400, json.dumps(error.body()).encode(), extra
                    return stored[2], stored[3], {**extra, "Idempotent-Replayed": "true"}
            try:
                status, body = 200, json.dumps(self._route(method, path, params)).encode()
            except StripeError as exc:
                status, body = exc.status, json.dumps(exc.body()).encode()
            if method == "POST" and key and status < 500:
                self.idempotent[key] = (path, params, status, body)
            return status, body, extra

    def _route(self, method: str, path: str, params: dict[str, str]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "payment_intents"]:
            if method == "POST" and len(parts) == 2:
                return self._create_intent(params)
            intent = self._intent(parts[2]) if len(parts) > 2 else None
            if intent is not None and method == "GET" and len(parts) == 3:
                return dict(intent)
            if intent is not None and method == "POST" and parts[3:] == ["capture"]:
                return self._capture(intent, params)
            if intent is not None and method == "POST" and parts[3:] == ["cancel"]:
                return self._cancel(intent)
        if parts == ["v1", "refunds"]:
            if method == "POST":
                return self._create_refund(params)
            if method == "GET":
                intent_id = params.get("payment_intent")
                data = [r for r in self.refunds.values() if r["payment_intent"] == intent_id]
                data.sort(key=lambda r: r["created"], reverse=True)
                return {"object": "list", "data": data, "has_more": False, "url": "/v1/refunds"}
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({path}).")

    def _intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.intents.get(intent_id)
        if intent is None:
            raise StripeError(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{intent_id}'",
                "resource_missing",
            )
        return intent

    def _create_intent(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            raise StripeError(
                400, "invalid_request_error", "Missing required param: amount.", "parameter_missing"
            ) from None
        if amount < 1:
            raise StripeError(
                400,
                "invalid_request_error",
                "This value must be greater than or equal to 1.",
                "parameter_invalid_integer",
            )
        intent_id = _new_id("pi")
        metadata = {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")}
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "automatic_payment_methods": (
                {"allow_redirects": "always", "enabled": True}
                if params.get("automatic_payment_methods[enabled]") == "true"
                else None
            ),
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": params.get("capture_method", "automatic_async"),
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "currency": params.get("currency", "eur"),
            "customer": None,
            "description": None,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": metadata,
            "next_action": None,
            "payment_method": None,
            "payment_method_types": ["card"],
            "status": "requires_payment_method",
        }
        self.intents[intent_id] = intent
        return dict(intent)

    def _unexpected_state(self, intent: dict[str, Any], action: str) -> StripeError:
        return StripeError(
            400,
            "invalid_request_error",
            f"You cannot {action} this PaymentIntent because it has a status of "
            f"{intent['status']}.",
            "payment_intent_unexpected_state",
        )

    def _capture(self, intent: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        if intent["status"] != "requires_capture":
            raise self._unexpected_state(intent, "capture")
        amount = int(params.get("amount_to_capture", intent["amount_capturable"]))
        if amount > intent["amount_capturable"]:
            raise StripeError(
                400, "invalid_request_error", "Amount to capture is too large.", "amount_too_large"
            )
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        return dict(intent)

    def _cancel(self, intent: dict[str, Any]) -> dict[str, Any]:
        if intent["status"] in ("succeeded", "canceled", "processing"):
            raise self._unexpected_state(intent, "cancel")
        intent.update(
            status="canceled",
            amount_capturable=0,
            canceled_at=int(time.time()),
            cancellation_reason="requested_by_customer",
        )
        return dict(intent)

    def _create_refund(self, params: dict[str, str]) -> dict[str, Any]:
        intent = self._intent(params.get("payment_intent", ""))
        if intent["status"] != "succeeded":
            raise StripeError(
                400,
                "invalid_request_error",
                "This PaymentIntent does not have a successful charge to refund.",
                "charge_not_refundable",
            )
        already = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(params.get("amount", intent["amount_received"] - already))
        if amount < 1 or already + amount > intent["amount_received"]:
            raise StripeError(
                400,
                "invalid_request_error",
                "Refund amount is greater than unrefunded amount on charge.",
                "amount_too_large",
            )
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": _new_id("txn"),
            "charge": intent["latest_charge"],
            "created": int(time.time()),
            "currency": intent["currency"],
            "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
            "payment_intent": intent["id"],
            "reason": params.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        self.refunds[refund["id"]] = refund
        return refund


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    fake: FakeStripe

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.fake.drop_connections:
            self.close_connection = True
            return
        if self.command == "POST" and split.path == "/v1/payment_intents":
            with self.fake.lock:
                pause, self.fake.pause_next_intent = self.fake.pause_next_intent, None
            if pause is not None:
                self.fake.intent_paused.set()
                pause.wait(timeout=25)  # the test sets it; never a hang past that
        params = dict(parse_qsl(split.query or body, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, extra = self.fake.handle(self.command, split.path, headers, params)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve
    do_DELETE = _serve


@contextmanager
def running_fake_stripe() -> Iterator[FakeStripe]:
    """Start the fake on an ephemeral loopback port; always stopped afterwards."""
    fake = FakeStripe()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-stripe", daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
