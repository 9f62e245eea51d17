"""The carrier registry: which carriers this process talks to, the default one, and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mercato.platform.clock import Clock, utcnow
from mercato.platform.config import Settings
from mercato.shipping.exceptions import UnknownCarrier
from mercato.shipping.providers.port import Carrier, ShipAddress


@dataclass
class CarrierRegistry:
    default_name: str
    origin: ShipAddress
    carriers: dict[str, Carrier] = field(default_factory=dict)
    clock: Clock = utcnow

    def now(self) -> datetime:
        return self.clock()

    @property
    def default(self) -> Carrier:
        return self.carriers[self.default_name]

    def get(self, name: str) -> Carrier:
        carrier = self.carriers.get(name)
        if carrier is None:
            raise UnknownCarrier()
        return carrier

    def has(self, name: str) -> bool:
        return name in self.carriers

    async def close(self) -> None:
        for carrier in self.carriers.values():
            await carrier.close()


def origin_address(settings: Settings) -> ShipAddress:
    config = settings.shipping
    return ShipAddress(
        name=config.origin_name,
        line1=config.origin_line1,
        city=config.origin_city,
        postal_code=config.origin_postal_code,
        country=config.origin_country,
        phone=config.origin_phone,
    )


def build_carriers(settings: Settings, clock: Clock = utcnow) -> CarrierRegistry:
    """The configured carrier, plus the simulated one outside production (older shipments and
    the demo keep tracking after the default is switched) and EasyPost when keyed."""
    config = settings.shipping
    registry = CarrierRegistry(
        default_name=config.carrier, origin=origin_address(settings), clock=clock
    )
    if config.carrier == "simulated" or not settings.is_production:
        from mercato.shipping.providers.simulated import SimulatedCarrier

        registry.carriers["simulated"] = SimulatedCarrier(
            step_seconds=config.simulated_step_seconds,
            exception_every=config.simulated_exception_every,
            origin_city=config.origin_city,
            clock=clock,
        )
    if config.carrier == "easypost" or config.easypost_api_key is not None:
        if config.easypost_api_key is None:
            raise ValueError("MERCATO_SHIPPING__EASYPOST_API_KEY is required for easypost")
        from mercato.shipping.providers.easypost import build_easypost

        registry.carriers["easypost"] = build_easypost(settings)
    return registry
