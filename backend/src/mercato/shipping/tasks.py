"""Periodic shipping jobs, run by the worker (see `mercato.worker.tasks.JOBS`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mercato.shipping.service import poll_shipments

if TYPE_CHECKING:
    from mercato.shipping.ports import ShippingPorts


async def poll_tracking(container: ShippingPorts) -> int:
    """Ask carriers without webhooks (the simulated one included) for tracking updates."""
    return await poll_shipments(container)
