"""The built-in sandbox gateway: no network, Stripe-shaped intents kept in our own database.

Test cards decide the outcome (see `TEST_CARDS`); any other number is refused, so real card data
is never accepted. Only the brand and last four digits are kept. Every state change emits a
Stripe-format event (a `sandbox_event` row) that `mercato.payments.service` signs with
`MERCATO_PAYMENTS__WEBHOOK_SECRET` and delivers through the same webhook path as Stripe's.
"""

from __future__ import annotations

import functools
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.payments.models import SandboxEvent, SandboxIntent, SandboxRefund
from mercato.payments.providers import signing
from mercato.payments.providers.port import (
    CaptureMethod,
    CreateIntent,
    GatewayError,
    Intent,
    Refund,
    WebhookEvent,
)
from mercato.platform.db import insert_new_unless_taken
from mercato.platform.errors import Conflict, NotFound, ValidationFailed
from mercato.platform.ids import hash_token, new_token

Outcome = Literal["succeeds", "declines", "challenge"]

TEST_CARDS: dict[str, Outcome] = {
    "4242424242424242": "succeeds",
    "4000000000000002": "declines",
    "4000002500003155": "challenge",
}

CONFIRMABLE = ("requires_payment_method", "requires_confirmation")
CANCELABLE = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
)


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


@dataclass(frozen=True)
class CheckedCard:
    brand: str
    last4: str
    outcome: Outcome


def _ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def check_card(
    card_number: str, exp_month: int, exp_year: int, cvc: str, *, today: date
) -> CheckedCard:
    """Validate a card the way a provider would; only test cards pass. Never logs the number."""
    number = card_number.replace(" ", "").replace("-", "")
    # isdigit() alone accepts "²" and other Unicode digits that int() then refuses (a 500).
    if not _ascii_digits(number) or not 12 <= len(number) <= 19 or not luhn_valid(number):
        raise ValidationFailed("The card number is invalid.", code="card_number_invalid")
    if not (_ascii_digits(cvc) and len(cvc) in (3, 4)):
        raise ValidationFailed("The security code is invalid.", code="card_cvc_invalid")
    year = exp_year + 2000 if exp_year < 100 else exp_year
    if not 1 <= exp_month <= 12 or (year, exp_month) < (today.year, today.month):
        raise ValidationFailed("The card has expired or the date is invalid.", code="card_expired")
    outcome = TEST_CARDS.get(number)
    if outcome is None:
        raise ValidationFailed(
            "The sandbox accepts only test cards (e.g. 4242 4242 4242 4242).",
            code="card_not_test_card",
        )
    brand = "visa" if number.startswith("4") else "unknown"
    return CheckedCard(brand=brand, last4=number[-4:], outcome=outcome)


@dataclass(frozen=True)
class SandboxConfirmation:
    status: str
    challenge_token: str | None = None  # only when status == requires_action


@functools.cache
def _intent_by_key_statement() -> Select[SandboxIntent]:
    """Built once; it reads no row this transaction may have pending (so no autoflush)."""
    return (
        select(SandboxIntent)
        .where(SandboxIntent.idempotency_key == bindparam("key"))
        .execution_options(autoflush=False)
    )


def _new_id(prefix: str) -> str:
    return f"{prefix}_sbx_{secrets.token_hex(12)}"


class SandboxGateway:
    name = "sandbox"

    def __init__(self, *, webhook_secret: str, tolerance_seconds: int) -> None:
        self._secret = webhook_secret
        self._tolerance = tolerance_seconds

    # ------------------------------------------------------------------ the port

    async def create_intent(self, session: AsyncSession, request: CreateIntent) -> Intent:
        intent_id = _new_id("pi")
        client_secret = f"{intent_id}_secret_{new_token(18)}"
        row = SandboxIntent(
            id=intent_id,
            amount=request.amount,
            currency=request.currency.upper(),
            capture_method=request.capture_method,
            status="requires_payment_method",
            order_id=request.order_id,
            idempotency_key=request.idempotency_key,
            client_secret_hash=hash_token(client_secret),
        )
        # plain INSERTs: a new intent is only read in this transaction. The event's snapshot
        # is taken once the row's defaults are filled in; it is written only with the intent
        # (on PostgreSQL in the same statement).
        written = await insert_new_unless_taken(
            session,
            row,
            unique="idempotency_key",
            then=lambda: [self._event(row, "payment_intent.created")],
        )
        if not written:
            existing = await session.scalar(
                _intent_by_key_statement(), {"key": request.idempotency_key}
            )
            assert existing is not None  # the row that took the key (never deleted)
            return await self._to_intent(session, existing)  # a replay: no secret shown again
        # a new intent has no refunds: no need to look them up
        return replace(await self._to_intent(session, row, new=True), client_secret=client_secret)

    async def retrieve_intent(self, session: AsyncSession, intent_id: str) -> Intent:
        return await self._to_intent(session, await self._get(session, intent_id))

    async def capture(
        self,
        session: AsyncSession,
        intent_id: str,
        *,
        amount: int | None,
        idempotency_key: str,
    ) -> Intent:
        row = await self._get(session, intent_id, lock=True)
        if row.status == "succeeded":  # a retried capture
            return await self._to_intent(session, row)
        if row.status != "requires_capture":
            raise GatewayError(f"intent is {row.status}", code="payment_intent_unexpected_state")
        to_capture = row.amount_capturable if amount is None else amount
        if not 0 < to_capture <= row.amount_capturable:
            raise GatewayError("amount exceeds the capturable amount", code="amount_too_large")
        row.status = "succeeded"
        row.amount_received = to_capture
        row.amount_capturable = 0
        row.latest_charge = row.latest_charge or _new_id("ch")
        self._emit(session, row, "payment_intent.succeeded")
        return await self._to_intent(session, row)

    async def cancel(
        self, session: AsyncSession, intent_id: str, *, idempotency_key: str
    ) -> Intent:
        row = await self._get(session, intent_id, lock=True)
        if row.status == "canceled":
            return await self._to_intent(session, row)
        if row.status not in CANCELABLE:
            raise GatewayError(f"intent is {row.status}", code="payment_intent_unexpected_state")
        row.status = "canceled"
        row.amount_capturable = 0
        row.challenge_token_hash = None
        self._emit(session, row, "payment_intent.canceled")
        return await self._to_intent(session, row)

    async def refund(
        self,
        session: AsyncSession,
        intent_id: str,
        *,
        amount: int,
        idempotency_key: str,
        reason: str | None = None,
    ) -> Refund:
        existing = await session.scalar(
            select(SandboxRefund).where(SandboxRefund.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return Refund(id=existing.id, amount=existing.amount, status=existing.status)
        row = await self._get(session, intent_id, lock=True)
        refunded = sum(r.amount for r in await self._refunds(session, intent_id))
        if row.status != "succeeded":
            raise GatewayError("nothing captured to refund", code="charge_not_captured")
        if not 0 < amount <= row.amount_received - refunded:
            raise GatewayError("refund exceeds the captured amount", code="amount_too_large")
        refund = SandboxRefund(
            id=_new_id("re"),
            intent_id=intent_id,
            amount=amount,
            status="succeeded",
            idempotency_key=idempotency_key,
        )
        session.add(refund)
        await session.flush()
        self._emit_charge_refunded(session, row, refunded + amount)
        return Refund(id=refund.id, amount=refund.amount, status=refund.status)

    def parse_and_verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        signing.verify(
            raw_body, signing.get_header(headers), self._secret, tolerance=self._tolerance
        )
        return signing.parse_event(raw_body)

    async def close(self) -> None:
        return None

    # ------------------------------------------------------------------ the shopper's side

    async def confirm(
        self,
        session: AsyncSession,
        intent_id: str,
        *,
        client_secret: str,
        card: CheckedCard,
    ) -> SandboxConfirmation:
        """Play the provider's card confirmation (what Stripe.js does with the client secret)."""
        row = await self._get_for_client(session, intent_id, client_secret)
        if row.status not in CONFIRMABLE:
            raise Conflict(
                f"This payment cannot be confirmed (it is {row.status}).",
                code="payment_not_confirmable",
            )
        row.card_brand, row.card_last4 = card.brand, card.last4
        if card.outcome == "declines":
            self._decline(session, row, "card_declined")
            return SandboxConfirmation(status=row.status)
        if card.outcome == "challenge":
            token = new_token(24)
            row.status = "requires_action"
            row.challenge_token_hash = hash_token(token)
            self._emit(session, row, "payment_intent.requires_action")
            return SandboxConfirmation(status=row.status, challenge_token=token)
        self._authorise(session, row)
        return SandboxConfirmation(status=row.status)

    async def check_challenge(self, session: AsyncSession, intent_id: str, token: str) -> None:
        """404 unless `token` is the live challenge token of this intent."""
        await self._challenged(session, intent_id, token, lock=False)

    async def resolve_challenge(
        self, session: AsyncSession, intent_id: str, *, token: str, approve: bool
    ) -> SandboxConfirmation:
        row = await self._challenged(session, intent_id, token, lock=True)
        row.challenge_token_hash = None
        if approve:
            self._authorise(session, row)
        else:
            self._decline(session, row, "payment_intent_authentication_failure")
        return SandboxConfirmation(status=row.status)

    # ------------------------------------------------------------------ helpers

    def _authorise(self, session: AsyncSession, row: SandboxIntent) -> None:
        row.last_error_code = None
        if row.capture_method == "manual":
            row.status = "requires_capture"
            row.amount_capturable = row.amount
            row.latest_charge = _new_id("ch")
            self._emit(session, row, "payment_intent.amount_capturable_updated")
        else:
            row.status = "succeeded"
            row.amount_received = row.amount
            row.latest_charge = _new_id("ch")
            self._emit(session, row, "payment_intent.succeeded")

    def _decline(self, session: AsyncSession, row: SandboxIntent, code: str) -> None:
        # Like Stripe: the intent goes back to requires_payment_method with the error.
        row.status = "requires_payment_method"
        row.last_error_code = code
        row.latest_charge = _new_id("ch")  # the declined charge, one per attempt
        self._emit(session, row, "payment_intent.payment_failed")

    async def _get(
        self, session: AsyncSession, intent_id: str, *, lock: bool = False
    ) -> SandboxIntent:
        query = select(SandboxIntent).where(SandboxIntent.id == intent_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = await session.scalar(query)
        if row is None:
            raise GatewayError("no such payment intent", code="resource_missing")
        return row

    async def _challenged(
        self, session: AsyncSession, intent_id: str, token: str, *, lock: bool
    ) -> SandboxIntent:
        """The intent awaiting this challenge token. The shopper's URL is user input: an unknown
        intent is the same 404 as a wrong token (not a gateway error, which would be a 500)."""
        query = select(SandboxIntent).where(SandboxIntent.id == intent_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = await session.scalar(query)
        if (
            row is None
            or row.status != "requires_action"
            or not _same_hash(row.challenge_token_hash, token)
        ):
            raise NotFound("No pending challenge for this payment.")
        return row

    async def _get_for_client(
        self, session: AsyncSession, intent_id: str, client_secret: str
    ) -> SandboxIntent:
        row = await session.scalar(
            select(SandboxIntent)
            .where(SandboxIntent.id == intent_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None or not _same_hash(row.client_secret_hash, client_secret):
            raise NotFound("No such payment.")
        return row

    async def _refunds(self, session: AsyncSession, intent_id: str) -> list[SandboxRefund]:
        rows = await session.scalars(
            select(SandboxRefund)
            .where(SandboxRefund.intent_id == intent_id)
            .order_by(SandboxRefund.created_at, SandboxRefund.id)
        )
        return list(rows)

    async def _to_intent(
        self, session: AsyncSession, row: SandboxIntent, *, new: bool = False
    ) -> Intent:
        refunds = (
            ()
            if new
            else tuple(
                Refund(id=r.id, amount=r.amount, status=r.status)
                for r in await self._refunds(session, row.id)
            )
        )
        capture_method: CaptureMethod = "manual" if row.capture_method == "manual" else "automatic"
        return Intent(
            id=row.id,
            status=row.status,
            amount=row.amount,
            currency=row.currency,
            capture_method=capture_method,
            amount_capturable=row.amount_capturable,
            amount_received=row.amount_received,
            latest_charge=row.latest_charge,
            last_error_code=row.last_error_code,
            last_error_attempt=row.latest_charge if row.last_error_code else None,
            order_id=row.order_id,
            refunds=refunds,
        )

    def _emit(self, session: AsyncSession, row: SandboxIntent, event_type: str) -> None:
        session.add(self._event(row, event_type))

    def _event(self, row: SandboxIntent, event_type: str) -> SandboxEvent:
        snapshot: dict[str, Any] = {
            "id": row.id,
            "object": "payment_intent",
            "amount": row.amount,
            "amount_capturable": row.amount_capturable,
            "amount_received": row.amount_received,
            "capture_method": row.capture_method,
            "currency": row.currency.lower(),
            "latest_charge": row.latest_charge,
            "last_payment_error": (
                {"code": row.last_error_code, "type": "card_error", "charge": row.latest_charge}
                if row.last_error_code
                else None
            ),
            "metadata": {"order_id": row.order_id},
            "status": row.status,
        }
        return SandboxEvent(id=_new_id("evt"), type=event_type, intent_id=row.id, payload=snapshot)

    def _emit_charge_refunded(
        self, session: AsyncSession, row: SandboxIntent, amount_refunded: int
    ) -> None:
        charge: dict[str, Any] = {
            "id": row.latest_charge,
            "object": "charge",
            "amount": row.amount_received,
            "amount_refunded": amount_refunded,
            "currency": row.currency.lower(),
            "payment_intent": row.id,
            "refunded": amount_refunded >= row.amount_received,
        }
        session.add(
            SandboxEvent(
                id=_new_id("evt"), type="charge.refunded", intent_id=row.id, payload=charge
            )
        )


def _same_hash(stored: str | None, presented: str) -> bool:
    return stored is not None and hmac.compare_digest(stored, hash_token(presented))


def event_body(event: SandboxEvent) -> bytes:
    """The exact bytes the sandbox signs and delivers for one of its events."""
    document = {
        "id": event.id,
        "object": "event",
        "api_version": "sandbox",
        "created": int(event.created_at.timestamp()),
        "livemode": False,
        "type": event.type,
        "data": {"object": event.payload},
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
