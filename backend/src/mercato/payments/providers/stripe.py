"""Stripe adapter (official `stripe` SDK, PaymentIntents). SDK types never leave this file.

Card data never reaches us: the storefront's Payment Element confirms the intent with the
`client_secret`, which we return once from `create_intent` and never store or log. Every
mutating call carries an idempotency key. Webhooks are verified over the raw body with Stripe's
own `WebhookSignature.verify_header`, plus a check Stripe's library omits: timestamps too far in
the future are rejected too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import stripe
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.payments.providers import signing
from mercato.payments.providers.port import (
    CaptureMethod,
    CreateIntent,
    GatewayError,
    GatewayUnavailable,
    Intent,
    Refund,
    WebhookEvent,
    WebhookRejected,
)

log = structlog.get_logger("mercato.payments.stripe")

_UNAVAILABLE = (
    stripe.APIConnectionError,
    stripe.APIError,
    stripe.RateLimitError,
    stripe.AuthenticationError,
    stripe.PermissionError,
)


def _translate(exc: stripe.StripeError, operation: str) -> GatewayError:
    """Stripe exception -> our port's errors (never echo the request, it may hold secrets)."""
    code = getattr(exc, "code", None) or type(exc).__name__
    log.warning(
        "stripe_call_failed",
        operation=operation,
        error_type=type(exc).__name__,
        code=code,
        http_status=exc.http_status,
        request_id=exc.request_id,
    )
    if isinstance(exc, _UNAVAILABLE):
        return GatewayUnavailable(f"Stripe unavailable during {operation}")
    return GatewayError(f"Stripe refused {operation}: {code}", code=str(code))


def _plain(obj: Any) -> dict[str, Any]:
    """An SDK object as a plain dict (the SDK's objects are not dicts)."""
    data: dict[str, Any] = obj.to_dict()
    return data


def _str_or_id(value: Any) -> str | None:
    """An expandable field: either an id string or an object with an id."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    found = value.get("id") if hasattr(value, "get") else None
    return found if isinstance(found, str) else None


def _failure_code(error: Mapping[str, Any]) -> str:
    """Why an attempt failed, from its `last_payment_error`: the issuer's reason for a decline
    (`decline_code`: `insufficient_funds`, `lost_card`, … under `code: card_declined`), else the
    error's `code`, else its `type`. Bounded to the ledger's column; the words the shopper reads
    are `notifications.wording.PAYMENT_FAILURES`."""
    for key in ("decline_code", "code", "type"):
        value = error.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:64]
    return "payment_failed"


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str | None,
        api_base: str | None,
        tolerance_seconds: int,
        timeout_seconds: float = 10.0,
        max_network_retries: int = 2,
    ) -> None:
        # The SDK logs whole response bodies (client secrets included) at DEBUG: never let it.
        sdk_log = logging.getLogger("stripe")
        sdk_log.setLevel(max(sdk_log.getEffectiveLevel(), logging.INFO))
        self._http = stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=max_network_retries,
        )
        self._webhook_secret = webhook_secret
        self._tolerance = tolerance_seconds

    async def create_intent(self, session: AsyncSession, request: CreateIntent) -> Intent:
        try:
            pi: Any = await self._client.v1.payment_intents.create_async(
                {
                    "amount": request.amount,
                    "currency": request.currency.lower(),
                    "capture_method": request.capture_method,
                    "automatic_payment_methods": {"enabled": True},
                    "metadata": {"order_id": request.order_id},
                },
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _translate(exc, "create_intent") from None
        data = _plain(pi)
        secret = data.get("client_secret")
        return self._to_intent(data, (), client_secret=secret if isinstance(secret, str) else None)

    async def retrieve_intent(self, session: AsyncSession, intent_id: str) -> Intent:
        try:
            pi = await self._client.v1.payment_intents.retrieve_async(intent_id)
            refunds = await self._client.v1.refunds.list_async(
                {"payment_intent": intent_id, "limit": 100}
            )
        except stripe.StripeError as exc:
            raise _translate(exc, "retrieve_intent") from None
        return self._to_intent(_plain(pi), tuple(self._to_refund(_plain(r)) for r in refunds.data))

    async def capture(
        self,
        session: AsyncSession,
        intent_id: str,
        *,
        amount: int | None,
        idempotency_key: str,
    ) -> Intent:
        params: Any = {} if amount is None else {"amount_to_capture": amount}
        try:
            pi = await self._client.v1.payment_intents.capture_async(
                intent_id,
                params,
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _translate(exc, "capture") from None
        return self._to_intent(_plain(pi), ())

    async def cancel(
        self, session: AsyncSession, intent_id: str, *, idempotency_key: str
    ) -> Intent:
        try:
            pi = await self._client.v1.payment_intents.cancel_async(
                intent_id, {}, {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _translate(exc, "cancel") from None
        return self._to_intent(_plain(pi), ())

    async def refund(
        self,
        session: AsyncSession,
        intent_id: str,
        *,
        amount: int,
        idempotency_key: str,
        reason: str | None = None,
    ) -> Refund:
        params: dict[str, Any] = {"payment_intent": intent_id, "amount": amount}
        if reason:
            params["metadata"] = {"reason": reason[:500]}
        try:
            refund = await self._client.v1.refunds.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _translate(exc, "refund") from None
        return self._to_refund(_plain(refund))

    def parse_and_verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        header = signing.get_header(headers)
        try:
            stripe.WebhookSignature.verify_header(
                raw_body, header, self._webhook_secret, self._tolerance
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise WebhookRejected("signature verification failed") from exc
        assert header is not None  # verify_header rejects a missing header
        timestamp, _ = signing.parse_header(header)
        signing.check_timestamp(timestamp, self._tolerance)  # the future side
        return signing.parse_event(raw_body)

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    # ------------------------------------------------------------------ mapping

    @staticmethod
    def _to_refund(refund: dict[str, Any]) -> Refund:
        return Refund(
            id=str(refund["id"]),
            amount=int(refund["amount"]),
            status=str(refund.get("status") or "pending"),
        )

    @staticmethod
    def _to_intent(
        pi: dict[str, Any], refunds: tuple[Refund, ...], *, client_secret: str | None = None
    ) -> Intent:
        error = pi.get("last_payment_error")
        error_code = error_attempt = None
        if error:
            error_code = _failure_code(error)
            error_attempt = _str_or_id(error.get("charge"))
        metadata = pi.get("metadata") or {}
        capture_method: CaptureMethod = (
            "manual" if str(pi.get("capture_method", "")).startswith("manual") else "automatic"
        )
        return Intent(
            id=str(pi["id"]),
            status=str(pi["status"]),
            amount=int(pi["amount"]),
            currency=str(pi["currency"]).upper(),
            capture_method=capture_method,
            amount_capturable=int(pi.get("amount_capturable") or 0),
            amount_received=int(pi.get("amount_received") or 0),
            latest_charge=_str_or_id(pi.get("latest_charge")),
            last_error_code=error_code,
            last_error_attempt=error_attempt,
            order_id=metadata.get("order_id"),
            refunds=refunds,
            client_secret=client_secret,
        )
