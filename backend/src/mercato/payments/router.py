"""Payments endpoints: provider webhooks and the sandbox's shopper-facing pages (thin)."""

from __future__ import annotations

import html
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from mercato.payments import service
from mercato.payments.ports import PaymentsDep
from mercato.payments.schemas import (
    SandboxCardConfirm,
    SandboxChallengeDecision,
    SandboxConfirmRead,
    WebhookAck,
)
from mercato.platform.errors import ValidationFailed

router = APIRouter(prefix="/payments", tags=["payments"])

ProviderName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
IntentId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_]{1,64}$")]
ChallengeToken = Annotated[str, Query(min_length=1, max_length=128)]


@router.post(
    "/{provider}/webhook",
    operation_id="receivePaymentWebhook",
    response_model=WebhookAck,
    summary="Provider webhook (signature verified over the raw body)",
    responses={400: {"description": "Signature or payload invalid; nothing was written"}},
)
async def provider_webhook(
    provider: ProviderName, request: Request, container: PaymentsDep
) -> WebhookAck:
    raw_body = await request.body()
    outcome = await service.handle_webhook(container, provider, raw_body, request.headers)
    return WebhookAck(event_id=outcome.event_id, outcome=outcome.outcome)


@router.post(
    "/sandbox/intents/{intent_id}/confirm",
    operation_id="confirmSandboxPayment",
    responses={409: {"description": "payment_in_progress, payment_rejected, ..."}},
    response_model=SandboxConfirmRead,
    response_model_exclude_none=True,
    summary="Sandbox: confirm a payment with a test card (plays Stripe.js's part)",
)
async def sandbox_confirm(
    intent_id: IntentId, body: SandboxCardConfirm, container: PaymentsDep
) -> SandboxConfirmRead:
    result = await service.confirm_sandbox_payment(
        container,
        intent_id,
        client_secret=body.client_secret,
        card_number=body.card_number,
        exp_month=body.exp_month,
        exp_year=body.exp_year,
        cvc=body.cvc,
    )
    return SandboxConfirmRead.model_validate(
        {"status": result.status, "next_action": result.next_action}
    )


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mercato sandbox: confirm your payment</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 3rem auto"><main>
<h1>Sandbox payment check</h1>
{body}
</main></body></html>"""


@router.get(
    "/sandbox/intents/{intent_id}/challenge",
    operation_id="getSandboxChallenge",
    response_class=HTMLResponse,
    summary="Sandbox: the 3-D Secure-like challenge page",
)
async def sandbox_challenge_page(
    intent_id: IntentId, token: ChallengeToken, container: PaymentsDep
) -> HTMLResponse:
    await service.check_sandbox_challenge(container, intent_id, token)
    action = html.escape(service.challenge_path(intent_id, token), quote=True)
    body = (
        "<p>Your bank asks you to approve this test payment.</p>"
        f'<form method="post" action="{action}">'
        '<button type="submit" name="approve" value="true">Approve</button> '
        '<button type="submit" name="approve" value="false">Decline</button>'
        "</form>"
    )
    return HTMLResponse(_PAGE.format(body=body), headers={"Cache-Control": "no-store"})


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: `{"approve": true, "approve": false}` is
    refused, not last-wins (like a doubled form field)."""
    if len({key for key, _ in pairs}) != len(pairs):
        raise ValidationFailed('A key is given twice; send {"approve": true|false} once.')
    return dict(pairs)


async def _decision(request: Request) -> bool:
    """`{"approve": bool}` as JSON, or the challenge page's form post; a doubled JSON key or form
    field is a 422, never the last value winning."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = (await request.form()).getlist("approve")
        if values not in (["true"], ["false"]):  # a doubled field is refused, not last-wins
            raise ValidationFailed("`approve` must be given once, true or false.")
        return values == ["true"]
    try:
        payload = json.loads(await request.body(), object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValidationFailed('The body must be JSON: {"approve": true}.') from None
    try:
        return SandboxChallengeDecision.model_validate(payload).approve
    except ValueError:
        raise ValidationFailed('The body must be {"approve": true|false}.') from None


_DECISION_SCHEMA = {
    "type": "object",
    "properties": {"approve": {"type": "boolean"}},
    "required": ["approve"],
}


@router.post(
    "/sandbox/intents/{intent_id}/challenge",
    operation_id="decideSandboxChallenge",
    responses={409: {"description": "payment_in_progress, ..."}},
    response_model=SandboxConfirmRead,
    response_model_exclude_none=True,
    summary="Sandbox: approve or decline the challenge",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _DECISION_SCHEMA},
                "application/x-www-form-urlencoded": {"schema": _DECISION_SCHEMA},
            },
        }
    },
)
async def sandbox_challenge_decide(
    intent_id: IntentId, token: ChallengeToken, request: Request, container: PaymentsDep
) -> Response | SandboxConfirmRead:
    approve = await _decision(request)
    result = await service.resolve_sandbox_challenge(
        container, intent_id, token=token, approve=approve
    )
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        verdict = "approved" if approve else "declined"
        body = f"<p>Payment {verdict}. You can return to the shop.</p>"
        return HTMLResponse(_PAGE.format(body=body), headers={"Cache-Control": "no-store"})
    return SandboxConfirmRead(status=result.status)
