"""A fake EasyPost API on 127.0.0.1 speaking its wire format (v2, JSON, basic auth).

Implements what Mercato uses: `POST /v2/shipments` (with `rates`), `POST /v2/shipments/{id}/buy`,
`GET /v2/shipments/{id}`, `POST /v2/shipments/{id}/refund`, `GET /v2/trackers?tracking_code=`,
and the label files it links (`GET /labels/{id}.pdf`). Errors use EasyPost's envelope
(`{"error": {"code", "message", "errors"}}`). Buying a shipment twice is refused
(`SHIPMENT.POSTAGE.EXISTS`), as EasyPost does.

Test controls (thread-safe): `fail(path_prefix, status, times, after_effect=False)` answers the
next matching requests with an error (with `after_effect` the request is applied first, so the
answer is lost but the effect happened); `hang(path_prefix)` makes matching requests wait (a
client's read timeout fires) until `release()`; `advance(tracking_code, status, message)` adds
a tracking detail; `event(tracking_code)` builds a signed-ready webhook body; `sign(body)` the
`X-Hmac-Signature` value; `requests` records every call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "EZTK_fake_mercato_key"
WEBHOOK_SECRET = "fake-easypost-webhook-secret"
LABEL_BYTES = b"%PDF-1.4\n% fake EasyPost label\n%%EOF\n"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Failure:
    prefix: str
    method: str
    status: int
    times: int
    after_effect: bool


@dataclass
class FakeEasyPost:
    base_url: str = ""
    currency: str = "EUR"
    requests: list[Recorded] = field(default_factory=list)
    shipments: dict[str, dict[str, Any]] = field(default_factory=dict)
    trackers: dict[str, dict[str, Any]] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _hangs: list[str] = field(default_factory=list)
    _released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ controls

    def fail(
        self,
        prefix: str,
        status: int = 500,
        times: int = 1,
        *,
        method: str = "",
        after_effect: bool = False,
    ) -> None:
        with self._lock:
            self._failures.append(_Failure(prefix, method, status, times, after_effect))

    def hang(self, prefix: str) -> None:
        with self._lock:
            self._hangs.append(prefix)
            self._released.clear()

    def release(self) -> None:
        with self._lock:
            self._hangs.clear()
        self._released.set()

    def calls(self, method: str, prefix: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path.startswith(prefix))

    def advance(
        self, tracking_code: str, status: str, message: str, at: datetime | None = None
    ) -> dict[str, Any]:
        with self._lock:
            tracker = self.trackers[tracking_code]
            when = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
            tracker["tracking_details"].append(_detail(status, message, when))
            tracker["status"] = status
            tracker["updated_at"] = when
            return json.loads(json.dumps(tracker))

    def event(self, tracker: dict[str, Any], event_id: str | None = None) -> bytes:
        return json.dumps(
            {
                "id": event_id or f"evt_{secrets.token_hex(12)}",
                "object": "Event",
                "mode": "test",
                "description": "tracker.updated",
                "previous_attributes": {},
                "created_at": tracker.get("updated_at") or _now(),
                "updated_at": tracker.get("updated_at") or _now(),
                "pending_urls": [],
                "completed_urls": [],
                "result": tracker,
            }
        ).encode()

    # ------------------------------------------------------------------ behaviour

    def _failure_for(self, method: str, path: str) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if path.startswith(failure.prefix) and failure.method in ("", method):
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                    return failure
        return None

    def _hanging(self, path: str) -> bool:
        with self._lock:
            return any(path.startswith(p) for p in self._hangs)

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        if method == "POST" and path == "/v2/shipments":
            return self._create(body)
        parts = path.strip("/").split("/")
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v2", "shipments"]:
            shipment = self.shipments.get(parts[2])
            return (200, shipment) if shipment else _error(404, "NOT_FOUND", "not found")
        if method == "POST" and len(parts) == 4 and parts[1] == "shipments" and parts[3] == "buy":
            return self._buy(parts[2], body)
        if (
            method == "POST"
            and len(parts) == 4
            and parts[1] == "shipments"
            and parts[3] == "refund"
        ):
            shipment = self.shipments.get(parts[2])
            if not shipment:
                return _error(404, "NOT_FOUND", "not found")
            shipment["refund_status"] = "submitted"
            return 200, shipment
        if method == "GET" and path == "/v2/trackers":
            code = (query.get("tracking_code") or [""])[0]
            tracker = self.trackers.get(code)
            return 200, {"trackers": [tracker] if tracker else [], "has_more": False}
        return _error(404, "NOT_FOUND", f"no route {method} {path}")

    def _create(self, body: Any) -> tuple[int, Any]:
        shipment_in = body.get("shipment") if isinstance(body, dict) else None
        if not isinstance(shipment_in, dict) or "parcel" not in shipment_in:
            return _error(422, "SHIPMENT.INVALID_PARAMS", "shipment.parcel is required")
        shipment_id = f"shp_{secrets.token_hex(12)}"
        weight = float(shipment_in["parcel"].get("weight") or 0)
        base = 7.5 + weight * 0.05
        rates = [
            _rate(shipment_id, "USPS", "GroundAdvantage", base, 5, self.currency),
            _rate(shipment_id, "USPS", "Priority", base * 1.6, 2, self.currency),
        ]
        shipment = {
            "id": shipment_id,
            "object": "Shipment",
            "mode": "test",
            "reference": shipment_in.get("reference"),
            "to_address": shipment_in.get("to_address"),
            "from_address": shipment_in.get("from_address"),
            "parcel": shipment_in.get("parcel"),
            "rates": rates,
            "selected_rate": None,
            "postage_label": None,
            "tracking_code": None,
            "tracker": None,
            "refund_status": None,
            "created_at": _now(),
        }
        with self._lock:
            self.shipments[shipment_id] = shipment
        return 200, shipment

    def _buy(self, shipment_id: str, body: Any) -> tuple[int, Any]:
        with self._lock:
            shipment = self.shipments.get(shipment_id)
            if shipment is None:
                return _error(404, "NOT_FOUND", "not found")
            if shipment["postage_label"] is not None:
                return _error(422, "SHIPMENT.POSTAGE.EXISTS", "postage already purchased")
            rate_id = (body.get("rate") or {}).get("id") if isinstance(body, dict) else None
            rate = next((r for r in shipment["rates"] if r["id"] == rate_id), None)
            if rate is None:
                return _error(422, "SHIPMENT.RATE.INVALID", "unknown rate")
            code = "EZ" + "".join(secrets.choice("0123456789") for _ in range(18))
            label_id = secrets.token_hex(8)
            tracker = {
                "id": f"trk_{secrets.token_hex(12)}",
                "object": "Tracker",
                "mode": "test",
                "tracking_code": code,
                "status": "pre_transit",
                "status_detail": "label_created",
                "carrier": rate["carrier"],
                "shipment_id": shipment_id,
                "signed_by": None,
                "est_delivery_date": (datetime.now(UTC) + timedelta(days=3)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "tracking_details": [
                    _detail("pre_transit", "Pre-Shipment information received", _now())
                ],
                "public_url": f"https://track.easypost.com/{code}",
                "created_at": _now(),
                "updated_at": _now(),
            }
            shipment.update(
                selected_rate=rate,
                tracking_code=code,
                tracker=tracker,
                postage_label={
                    "object": "PostageLabel",
                    "label_file_type": "application/pdf",
                    "label_url": f"{self.base_url}/labels/{label_id}.pdf",
                    "label_pdf_url": f"{self.base_url}/labels/{label_id}.pdf",
                },
            )
            self.trackers[code] = tracker
            return 200, shipment


def _rate(
    shipment_id: str, carrier: str, service: str, amount: float, days: int, currency: str
) -> dict[str, Any]:
    return {
        "id": f"rate_{secrets.token_hex(10)}",
        "object": "Rate",
        "mode": "test",
        "shipment_id": shipment_id,
        "carrier": carrier,
        "service": service,
        "rate": f"{amount:.2f}",
        "currency": currency,
        "delivery_days": days,
    }


def _detail(status: str, message: str, when: str) -> dict[str, Any]:
    return {
        "object": "TrackingDetail",
        "message": message,
        "status": status,
        "status_detail": "status_update",
        "datetime": when,
        "source": "USPS",
        "tracking_location": {
            "object": "TrackingLocation",
            "city": "HOUSTON",
            "state": "TX",
            "country": "US",
            "zip": "77063",
        },
    }


def _error(status: int, code: str, message: str) -> tuple[int, Any]:
    return status, {"error": {"code": code, "message": message, "errors": []}}


def _handler(fake: FakeEasyPost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(
            self, status: int, payload: Any, content_type: str = "application/json"
        ) -> None:
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _serve(self, method: str) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            fake.requests.append(Recorded(method, split.path, dict(self.headers.items()), raw))
            if fake._hanging(split.path):
                fake._released.wait(30)
            if split.path.startswith("/labels/"):
                self._answer(200, LABEL_BYTES, "application/pdf")
                return
            expected = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._answer(
                    401, {"error": {"code": "APIKEY.INACTIVE", "message": "bad key", "errors": []}}
                )
                return
            failure = fake._failure_for(method, split.path)
            if failure is not None and not failure.after_effect:
                self._answer(
                    failure.status, {"error": {"code": "INTERNAL", "message": "boom", "errors": []}}
                )
                return
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                self._answer(
                    400, {"error": {"code": "BAD_JSON", "message": "bad json", "errors": []}}
                )
                return
            status, payload = fake.handle(method, split.path, parse_qs(split.query), body)
            if failure is not None:  # the effect happened, but the answer is lost
                self._answer(
                    failure.status, {"error": {"code": "INTERNAL", "message": "boom", "errors": []}}
                )
                return
            self._answer(status, payload)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


@contextmanager
def easypost_server() -> Iterator[FakeEasyPost]:
    fake = FakeEasyPost()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release()
        server.shutdown()
        server.server_close()
