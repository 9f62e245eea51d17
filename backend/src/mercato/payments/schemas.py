"""Request and response bodies of the payments endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mercato.platform.strict import StrictInput


class SandboxCardConfirm(StrictInput):
    """A test card for the sandbox (never stored or logged; only brand and last four kept)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client_secret": "pi_sandbox_secret_from_checkout",
                    "card_number": "4242 4242 4242 4242",
                    "exp_month": 12,
                    "exp_year": 2030,
                    "cvc": "123",
                }
            ]
        },
    )

    client_secret: str = Field(min_length=1, max_length=255)
    card_number: str = Field(min_length=1, max_length=32)
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=0, le=9999)
    cvc: str = Field(min_length=1, max_length=8)

    def __repr__(self) -> str:  # never print card data
        return "SandboxCardConfirm(<redacted>)"

    __str__ = __repr__


class SandboxNextAction(BaseModel):
    type: str
    url: str = Field(description="Absolute URL of the challenge page (MERCATO_PUBLIC_BASE_URL)")


class SandboxConfirmRead(BaseModel):
    status: str
    next_action: SandboxNextAction | None = None


class SandboxChallengeDecision(StrictInput):
    model_config = ConfigDict(extra="forbid")

    approve: bool


class WebhookAck(BaseModel):
    received: bool = True
    event_id: str
    outcome: str
