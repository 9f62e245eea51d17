"""The demo shop's discount codes (`mercato demo seed`)."""

from __future__ import annotations

from mercato.discounts.schemas import DiscountCreate
from mercato.discounts.service import create_discount, find_discount
from mercato.platform.ports import PlatformPorts

DEMO_DISCOUNTS = (
    DiscountCreate(code="WELCOME10", kind="percentage", value=10, per_customer_limit=1),
    DiscountCreate(code="TENOFF", kind="fixed", value=1000, min_subtotal=5000),
    DiscountCreate(code="FREESHIP", kind="free_shipping", min_subtotal=5000),
)


async def ensure_demo_discounts(container: PlatformPorts) -> list[str]:
    """The demo shop's discount codes (`mercato demo seed`); existing codes are left alone."""
    created: list[str] = []
    async with container.db.session() as session:
        for data in DEMO_DISCOUNTS:
            if await find_discount(session, data.code) is None:
                await create_discount(session, container, data)
                created.append(data.code)
    return created
