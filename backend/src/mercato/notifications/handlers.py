"""Outbox events -> emails. One consumer ("mail") on the `mail` queue.

Idempotency: the event is checked against `processed_event` before sending and recorded right
after the SMTP server accepted the message. A worker killed before the send re-sends on
redelivery; killed after the record, it sends nothing again. Over SMTP only a kill in the instant
between the server's "250 OK" and the commit can duplicate (`email_recorded` logs its length as
`unrecorded_ms`, measured in docs/benchmarks.md); the Message-ID is derived from the event id so
mail clients fold such a duplicate. The file mailer is idempotent by Message-ID itself: exactly
one file per email (ADR 0015).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import structlog
from sqlalchemy.exc import IntegrityError

from mercato.notifications.mailer import build_mailer
from mercato.notifications.providers.port import OutgoingEmail
from mercato.notifications.render import render_email
from mercato.notifications.wording import (
    cancellation,
    duration,
    long_date,
    order_lines,
    order_summary,
    payment_failure,
)
from mercato.platform.config import Settings
from mercato.platform.ports import PlatformPorts
from mercato.worker.events import Event, event_handler, is_processed, mark_processed

log = structlog.get_logger("mercato.notifications")

CONSUMER = "mail"
MAIL_EVENTS = (
    "EmailVerificationRequested",
    "PasswordResetRequested",
    "OrderPlaced",
    "PaymentSucceeded",
    "OrderConfirmationResent",
    "PaymentFailed",
    "OrderCancelled",
    "RefundIssued",
    "ShipmentUpdated",
    "AbandonedCartReminder",
)
STATUS_LABELS = {
    "label_created": "Shipped",
    "in_transit": "On its way",
    "out_for_delivery": "Out for delivery",
    "delivered": "Delivered",
    "exception": "Delivery problem",
    "returned": "Returned to sender",
}
# ShipmentUpdated: which status changes send which email (the others are recorded, not mailed;
# an `in_transit` after an exception says the parcel is moving again).
SHIPMENT_EMAILS = {
    "label_created": "order_shipped",
    "out_for_delivery": "shipping_update",
    "delivered": "delivered",
    "exception": "shipment_exception",
    "returned": "shipping_update",
}


def _link(base: str, path: str, **query: str) -> str:
    return f"{base.rstrip('/')}{path}?{urlencode(query)}"


def build_email(container: PlatformPorts, event: Event) -> OutgoingEmail | None:
    """The email for an event, or None when the event needs none."""
    p: dict[str, Any] = dict(event.payload)
    storefront = container.settings.storefront_url
    kind: str
    match event.type:
        case "EmailVerificationRequested":
            token = container.secret_box.decrypt(p["token"])
            kind, context = (
                "verify_email",
                {
                    **p,
                    "verify_url": _link(storefront, "/account/verify-email", token=token),
                    "expires_in": duration(p.get("expires_in_minutes")),
                },
            )
        case "PasswordResetRequested":
            token = container.secret_box.decrypt(p["token"])
            kind, context = (
                "password_reset",
                {
                    **p,
                    "reset_url": _link(storefront, "/account/reset-password", token=token),
                    "expires_in": duration(p.get("expires_in_minutes")),
                },
            )
        case "OrderPlaced":  # "received": the order is confirmed only once paid (ADR 18)
            summary = order_summary(
                p, prices_include_tax=container.settings.checkout.prices_include_tax
            )
            kind, context = "order_received", {**p, "lines": order_lines(p), "summary": summary}
        case "PaymentSucceeded":
            if not p.get("amount"):
                return None  # a fully discounted order: "received" said it all
            kind, context = "payment_confirmed", {"order_url": None, **p}
        case "OrderConfirmationResent":  # staff asked for the confirmation again
            kind, context = "payment_confirmed", {"order_url": None, "provider": None, **p}
        case "PaymentFailed":
            reason = payment_failure(p.get("reason"))  # a sentence, never the gateway's code
            kind, context = "payment_failed", {"retry_url": None, **p, "reason": reason}
        case "OrderCancelled":
            phrase, words = cancellation(p.get("reason"))  # never the code itself
            kind, context = "order_cancelled", {**p, "reason_phrase": phrase, "reason": words}
        case "RefundIssued":
            kind, context = "refund_issued", p
        case "ShipmentUpdated":
            status = str(p.get("status", ""))
            template = SHIPMENT_EMAILS.get(status)
            if status == "in_transit" and p.get("previous_status") == "exception":
                template = "shipping_update"
            if template is None:
                return None
            label = STATUS_LABELS.get(status, status.replace("_", " ").capitalize())
            kind = template
            context = {
                "message": None,
                "service": None,
                **p,
                "estimated_delivery": long_date(p.get("estimated_delivery")),  # not ISO
                "status_label": label,
            }
        case "AbandonedCartReminder":
            kind, context = "abandoned_cart", {"full_name": None, **p}
        case _:
            return None
    for key in ("token",):
        context.pop(key, None)
    rendered = render_email(kind, context)
    domain = container.settings.mail.sender.rsplit("@", 1)[-1].strip(" >") or "mercato.localhost"
    return OutgoingEmail(
        to=str(p["email"]),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=f"<{event.id}.{kind}@{domain}>",
        headers={"X-Mercato-Event": f"{event.type} {event.id}"},
    )


async def checkpoint(settings: Settings, name: str, event: Event) -> None:
    """Test hook (MERCATO_WORKER__CHECKPOINT_DIR). When a test armed `<dir>/<name>-<id>.arm`, the
    first delivery writes its pid to `<dir>/<name>-<id>` and waits there (until `<…>.release`
    appears or, typically, the test kills the worker). Later deliveries pass."""
    directory: Path | None = settings.worker.checkpoint_dir
    if directory is None:
        return
    marker = directory / f"{name}-{event.id}"
    if marker.exists() or not marker.with_suffix(".arm").exists():
        return
    written = marker.with_suffix(".tmp")
    written.write_text(str(os.getpid()))  # which process to kill
    os.replace(written, marker)
    release = marker.with_suffix(".release")
    while not release.exists():
        await asyncio.sleep(0.05)


@event_handler(*MAIL_EVENTS, consumer=CONSUMER, queue="mail")
async def send_event_email(container: PlatformPorts, event: Event) -> None:
    async with container.db.session(write=False) as session:
        if await is_processed(session, event.id, CONSUMER):
            log.info("email_already_sent", event_id=str(event.id))
            return
    email = build_email(container, event)
    sent = None
    if email is not None:
        await checkpoint(container.settings, "before_send", event)
        await build_mailer(container.settings).send(email)
        sent = time.perf_counter()  # from here until the commit a kill means a second send
        log.info(
            "email_sent", event_id=str(event.id), event_type=event.type, message_id=email.message_id
        )
    try:
        async with container.db.session() as session:
            mark_processed(session, event.id, CONSUMER)
    except IntegrityError:
        log.info("email_recorded_concurrently", event_id=str(event.id))
    if sent is not None:
        unrecorded_ms = round((time.perf_counter() - sent) * 1000, 2)
        log.info("email_recorded", event_id=str(event.id), unrecorded_ms=unrecorded_ms)
    await checkpoint(container.settings, "after_send", event)
