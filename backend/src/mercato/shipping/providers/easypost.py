"""An EasyPost-style carrier API adapter (REST, JSON, API key as the basic-auth user).

Wire format (EasyPost API v2):
- `POST /shipments` `{"shipment": {to_address, from_address, parcel, reference}}` -> a shipment
  with `rates` (`id`, `carrier`, `service`, `rate` as a decimal string, `currency`,
  `delivery_days`); `POST /shipments/{id}/buy` `{"rate": {"id": …}}` -> `tracking_code`,
  `postage_label.label_url`, `tracker`; `POST /shipments/{id}/refund` voids a label;
  `GET /trackers/{id}` -> a tracker (`status`, `est_delivery_date`, `tracking_details`).
- Webhooks: an `Event` (`id`, `description` "tracker.updated", `result`: the tracker), signed with
  `X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256(NFKD(secret), raw body)>`; the delivery
  time is in `X-Timestamp` and must be inside the tolerance window on both sides.

EasyPost types never leave this file: everything is mapped onto the port's dataclasses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
import structlog

from mercato.platform.http import (
    OutboundClient,
    OutboundPolicy,
    ProviderError,
    ProviderUnavailable,
    outbound_policy,
)
from mercato.shipping.providers.port import (
    CarrierError,
    CarrierRate,
    CarrierUnavailable,
    LabelRequest,
    PurchasedLabel,
    RateRequest,
    ShipAddress,
    TrackingSnapshot,
    TrackingUpdate,
    TrackQuery,
    WebhookNotice,
    WebhookRejected,
)

if TYPE_CHECKING:
    from mercato.platform.config import Settings

log = structlog.get_logger("mercato.shipping.easypost")
GRAMS_PER_OUNCE = Decimal("28.349523125")

SIGNATURE_HEADER = "x-hmac-signature"
TIMESTAMP_HEADER = "x-timestamp"
SIGNATURE_PREFIX = "hmac-sha256-hex="

# EasyPost tracker statuses -> ours (unknown: no information yet, ignored)
STATUS_MAP = {
    "pre_transit": "label_created",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "available_for_pickup": "out_for_delivery",
    "delivered": "delivered",
    "return_to_sender": "returned",
    "failure": "exception",
    "error": "exception",
    "cancelled": "exception",
}


# --------------------------------------------------------------------------- signatures


def compute_signature(raw_body: bytes, secret: str) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return SIGNATURE_PREFIX + hmac.new(key, raw_body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def parse_timestamp(value: str) -> float:
    """Unix seconds, or an HTTP date / ISO 8601 time."""
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise WebhookRejected("malformed timestamp header") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def verify_signature(
    raw_body: bytes,
    headers: Mapping[str, str],
    secret: str | None,
    *,
    tolerance: int,
    now: float | None = None,
) -> None:
    if not secret:
        raise WebhookRejected("no webhook secret configured")
    presented = _header(headers, SIGNATURE_HEADER)
    if not presented:
        raise WebhookRejected("missing signature header")
    expected = compute_signature(raw_body, secret).encode()
    if not hmac.compare_digest(expected, presented.strip().encode("utf-8", "surrogatepass")):
        raise WebhookRejected("signature mismatch")
    stamp = _header(headers, TIMESTAMP_HEADER)
    if not stamp:
        raise WebhookRejected("missing timestamp header")
    current = time.time() if now is None else now
    if abs(current - parse_timestamp(stamp)) > tolerance:
        raise WebhookRejected("timestamp outside the tolerance window")


# --------------------------------------------------------------------------- mapping


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    parsed = _time(value)
    return parsed.date() if parsed else None


def _location(raw: Any) -> str | None:
    """City, state, country: never the postcode (the recipient's street is near)."""
    if not isinstance(raw, dict):
        return None
    parts = [raw.get(k) for k in ("city", "state", "country")]
    text = ", ".join(str(p) for p in parts if isinstance(p, str) and p.strip())
    return text[:200] or None


def tracker_snapshot(tracker: Mapping[str, Any]) -> TrackingSnapshot:
    """An EasyPost Tracker -> our snapshot (events keyed by a hash of time, status, message)."""
    number = tracker.get("tracking_code")
    if not isinstance(number, str) or not number or len(number) > 64:
        raise WebhookRejected("tracker has no tracking code")
    events: list[TrackingUpdate] = []
    details = tracker.get("tracking_details")
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, dict):
            continue
        status = STATUS_MAP.get(str(detail.get("status")))
        occurred = _time(detail.get("datetime"))
        if status is None or occurred is None:
            continue
        message = str(detail.get("message") or status.replace("_", " ").capitalize())[:500]
        key_source = f"{occurred.isoformat()}|{detail.get('status')}|{message}"
        events.append(
            TrackingUpdate(
                key="ep-" + hashlib.sha256(key_source.encode()).hexdigest()[:40],
                status=status,
                occurred_at=occurred,
                message=message,
                location=_location(detail.get("tracking_location")),
            )
        )
    status = STATUS_MAP.get(str(tracker.get("status")), "label_created")
    return TrackingSnapshot(
        tracking_number=number,
        status=status,
        events=tuple(events),
        estimated_delivery=_date(tracker.get("est_delivery_date")),
    )


def parse_event(raw_body: bytes) -> WebhookNotice:
    try:
        data = json.loads(raw_body)
    except (UnicodeDecodeError, ValueError):
        raise WebhookRejected("body is not JSON") from None
    if not isinstance(data, dict) or data.get("object") != "Event":
        raise WebhookRejected("body is not an event")
    event_id = data.get("id")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        raise WebhookRejected("event has no id")
    result = data.get("result")
    if not isinstance(result, dict) or result.get("object") != "Tracker":
        raise WebhookRejected("not a tracker event")
    occurred = _time(data.get("updated_at")) or _time(data.get("created_at"))
    if occurred is None:
        raise WebhookRejected("event has no time")
    return WebhookNotice(event_id=event_id, occurred_at=occurred, snapshot=tracker_snapshot(result))


# --------------------------------------------------------------------------- the API client


def _ounces(grams: int) -> float:
    return float((Decimal(grams) / GRAMS_PER_OUNCE).quantize(Decimal("0.1")))


def _minor(amount: Any) -> int:
    try:
        return int((Decimal(str(amount)) * 100).to_integral_value())
    except (InvalidOperation, ValueError):
        raise CarrierError(
            "The carrier sent an unreadable price.", code="bad_carrier_answer"
        ) from None


def _address(address: ShipAddress) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": address.name,
        "street1": address.line1,
        "city": address.city,
        "zip": address.postal_code,
        "country": address.country,
    }
    optional = {
        "company": address.company,
        "street2": address.line2,
        "state": address.region,
        "phone": address.phone,
        "email": address.email,
    }
    body.update({k: v for k, v in optional.items() if v})
    return body


def _rate(raw: Mapping[str, Any]) -> CarrierRate:
    days = raw.get("delivery_days")
    return CarrierRate(
        rate_id=str(raw.get("id") or ""),
        carrier_name=str(raw.get("carrier") or "EasyPost"),
        service=str(raw.get("service") or ""),
        amount=_minor(raw.get("rate")),
        currency=str(raw.get("currency") or "USD").upper(),
        delivery_days=days if isinstance(days, int) else None,
    )


class EasyPostCarrier:
    """Rates, labels, trackers and signed webhooks over the shared `OutboundClient`.

    Only idempotent calls are retried (GETs). Creating a shipment, buying and refunding are
    POSTs and never retried blindly: a buy whose answer was lost (timeout, 5xx) is settled by
    reading the shipment back (`GET /shipments/{id}`, retried) — a bought label is used, none is
    bought twice. EasyPost has no idempotency keys; the shipment id is the purchase's identity.
    """

    name = "easypost"
    sends_webhooks = True

    def __init__(
        self,
        *,
        api_key: str,
        api_base: str,
        webhook_secret: str | None,
        tolerance_seconds: int,
        policy: OutboundPolicy,
        provider_label: str = "easypost",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        token = base64.b64encode(f"{api_key}:".encode()).decode()
        self._base = api_base.rstrip("/")
        self._auth = {"Authorization": f"Basic {token}"}  # the API only, never the label host
        self._webhook_secret = webhook_secret
        self._tolerance = tolerance_seconds
        self._client = OutboundClient(
            provider_label,
            policy,
            headers={"Accept": "application/json"},
            transport=transport,
        )

    async def close(self) -> None:
        await self._client.aclose()

    # ----------------------------------------------------------------------- HTTP

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(
                method, f"{self._base}{path}", headers=self._auth, **kwargs
            )
        except ProviderUnavailable as exc:
            raise CarrierUnavailable(str(exc)) from None
        except ProviderError as exc:  # unsafe URL, too big, redirect loop: not retryable
            raise CarrierError(str(exc), code="carrier_error") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            error = data.get("error") if isinstance(data, dict) else None
            code = str(error.get("code") or "") if isinstance(error, dict) else ""
            message = str(error.get("message") or "") if isinstance(error, dict) else ""
            if response.status_code in (401, 403):
                log.error("easypost_auth_failed", status=response.status_code, code=code)
            raise CarrierError(
                message or f"The carrier refused the request (HTTP {response.status_code}).",
                code=(code.lower().replace(".", "_") or "carrier_error")[:64],
            )
        if not isinstance(data, dict):
            raise CarrierError("The carrier sent an unreadable answer.", code="bad_carrier_answer")
        return data

    async def _create_shipment(
        self,
        origin: ShipAddress,
        destination: ShipAddress,
        weight_grams: int,
        reference: str | None = None,
    ) -> dict[str, Any]:
        shipment: dict[str, Any] = {
            "to_address": _address(destination),
            "from_address": _address(origin),
            "parcel": {"weight": _ounces(weight_grams)},
            "options": {"label_format": "PDF"},
        }
        if reference:
            shipment["reference"] = reference
        return await self._call("POST", "/shipments", json={"shipment": shipment})

    # ----------------------------------------------------------------------- port

    async def rates(self, request: RateRequest) -> list[CarrierRate]:
        destination = ShipAddress(
            name="Rate quote",
            line1="",
            city="",
            postal_code=request.postal_code or "",
            region=request.region,
            country=request.country,
        )
        shipment = await self._create_shipment(request.origin, destination, request.weight_grams)
        raw = shipment.get("rates")
        rates = [_rate(r) for r in raw if isinstance(r, dict)] if isinstance(raw, list) else []
        return [r for r in rates if r.service]

    async def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        shipment = await self._create_shipment(
            request.origin, request.destination, request.weight_grams, request.reference
        )
        shipment_id = str(shipment.get("id") or "")
        raw_rates = shipment.get("rates")
        rates = (
            [_rate(r) for r in raw_rates if isinstance(r, dict)]
            if isinstance(raw_rates, list)
            else []
        )
        if not shipment_id or not rates:
            raise CarrierError("The carrier offers no service for this parcel.", code="no_rates")
        wanted = (request.service or "").lower()
        chosen = next((r for r in rates if r.service.lower() == wanted), None) if wanted else None
        if wanted and chosen is None:
            raise CarrierError(f"No service {request.service!r}.", code="unknown_service")
        chosen = chosen or min(rates, key=lambda r: r.amount)
        try:
            bought = await self._call(
                "POST", f"/shipments/{shipment_id}/buy", json={"rate": {"id": chosen.rate_id}}
            )
        except CarrierUnavailable:
            # the answer was lost: did the purchase happen? (a GET is safe to retry)
            bought = await self._call("GET", f"/shipments/{shipment_id}")
            if not _purchased(bought):
                raise
            log.warning("easypost_buy_recovered", shipment_id=shipment_id)
        return await self._purchased_label(bought, chosen)

    async def _purchased_label(
        self, shipment: Mapping[str, Any], chosen: CarrierRate
    ) -> PurchasedLabel:
        tracking = shipment.get("tracking_code")
        label = shipment.get("postage_label")
        if not isinstance(tracking, str) or not tracking or not isinstance(label, dict):
            raise CarrierError("The carrier sent no label.", code="bad_carrier_answer")
        url = label.get("label_pdf_url") or label.get("label_url")
        if not isinstance(url, str) or not url:
            raise CarrierError("The carrier sent no label file.", code="bad_carrier_answer")
        try:
            response = await self._client.get(url)
        except ProviderUnavailable as exc:
            raise CarrierUnavailable(str(exc)) from None
        except ProviderError as exc:
            raise CarrierError(str(exc), code="label_unavailable") from None
        if response.status_code >= 400:
            raise CarrierError("The label file could not be fetched.", code="label_unavailable")
        content_type = "application/pdf" if response.content.startswith(b"%PDF") else "image/png"
        selected = shipment.get("selected_rate")
        rate = _rate(selected) if isinstance(selected, dict) else chosen
        tracker = shipment.get("tracker")
        snapshot = tracker_snapshot(tracker) if isinstance(tracker, dict) else None
        return PurchasedLabel(
            carrier_shipment_id=str(shipment.get("id")),
            tracking_number=tracking[:64],
            carrier_name=rate.carrier_name,
            service=rate.service,
            amount=rate.amount,
            currency=rate.currency,
            label=response.content,
            label_content_type=content_type,
            estimated_delivery=snapshot.estimated_delivery if snapshot else None,
            events=snapshot.events if snapshot else (),
        )

    async def track(self, query: TrackQuery) -> TrackingSnapshot:
        data = await self._call(
            "GET", "/trackers", params={"tracking_code": query.tracking_number, "page_size": 1}
        )
        trackers = data.get("trackers")
        if not isinstance(trackers, list) or not trackers or not isinstance(trackers[0], dict):
            raise CarrierError("The carrier has no tracker for it.", code="unknown_tracking_number")
        try:
            return tracker_snapshot(trackers[0])
        except WebhookRejected:
            raise CarrierError("Unreadable tracker.", code="bad_carrier_answer") from None

    async def void_label(self, carrier_shipment_id: str) -> None:
        data = await self._call("POST", f"/shipments/{carrier_shipment_id}/refund")
        status = data.get("refund_status")
        if status not in ("submitted", "refunded", None):
            raise CarrierError(
                f"The carrier refused the refund ({status}).", code="refund_rejected"
            )

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookNotice:
        verify_signature(raw_body, headers, self._webhook_secret, tolerance=self._tolerance)
        return parse_event(raw_body)


def _purchased(shipment: Mapping[str, Any]) -> bool:
    return bool(shipment.get("tracking_code")) and isinstance(shipment.get("postage_label"), dict)


def build_easypost(
    settings: Settings,
    *,
    provider_label: str = "easypost",
    transport: httpx.AsyncBaseTransport | None = None,
) -> EasyPostCarrier:
    config = settings.shipping
    if config.easypost_api_key is None:
        raise ValueError("MERCATO_SHIPPING__EASYPOST_API_KEY is required for easypost")
    policy = replace(
        outbound_policy(settings, "easypost"),
        read_timeout=config.easypost_timeout_seconds,
        retries=config.easypost_max_retries,
    )
    secret = config.easypost_webhook_secret
    return EasyPostCarrier(
        api_key=config.easypost_api_key.get_secret_value(),
        api_base=config.easypost_api_base,
        webhook_secret=secret.get_secret_value() if secret else None,
        tolerance_seconds=config.webhook_tolerance_seconds,
        policy=policy,
        provider_label=provider_label,
        transport=transport,
    )
