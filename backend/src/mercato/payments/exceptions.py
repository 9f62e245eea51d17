"""Payment errors (rendered as problem+json by mercato.platform.errors)."""

from __future__ import annotations

from mercato.platform.errors import DomainError, ServiceUnavailable


class WebhookInvalid(DomainError):
    """A webhook failed verification; nothing was written."""

    status, code, title = 400, "invalid_webhook", "Invalid webhook"


class PaymentProviderUnavailable(ServiceUnavailable):
    code = "payment_provider_unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(
            detail or "The payment provider is unavailable; try again shortly.",
            retry_after=retry_after,
        )
