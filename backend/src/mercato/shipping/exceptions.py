"""Shipping errors (rendered as problem+json by mercato.platform.errors)."""

from __future__ import annotations

from mercato.platform.errors import Conflict, DomainError, NotFound, ServiceUnavailable


class UnknownCarrier(NotFound):
    code = "unknown_carrier"

    def __init__(self) -> None:
        super().__init__("Unknown carrier.")


class ShipmentNotFound(NotFound):
    code = "shipment_not_found"

    def __init__(self) -> None:
        super().__init__("No such shipment.")


class TrackingNotFound(NotFound):
    code = "tracking_not_found"

    def __init__(self) -> None:
        super().__init__("No shipment has this tracking number.")


class ShipmentConflict(Conflict):
    code = "invalid_shipment_state"


class CarrierRejected(Conflict):
    code = "carrier_rejected"


class WebhookInvalid(DomainError):
    """A carrier webhook failed verification; nothing was written."""

    status, code, title = 400, "invalid_webhook", "Invalid webhook"


class CarrierUnavailableError(ServiceUnavailable):
    code = "carrier_unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 10) -> None:
        super().__init__(
            detail or "The carrier is unavailable; try again shortly.", retry_after=retry_after
        )
