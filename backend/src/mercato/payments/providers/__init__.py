"""The provider registry: which gateways this process can talk to, and the default one."""

from __future__ import annotations

from dataclasses import dataclass, field

from mercato.payments.providers.port import PaymentGateway
from mercato.platform.config import Settings
from mercato.platform.errors import NotFound


@dataclass
class GatewayRegistry:
    default_name: str
    gateways: dict[str, PaymentGateway] = field(default_factory=dict)

    @property
    def default(self) -> PaymentGateway:
        return self.gateways[self.default_name]

    def get(self, name: str) -> PaymentGateway:
        """The gateway called `name`; NotFound (404) when it is not enabled here."""
        gateway = self.gateways.get(name)
        if gateway is None:
            raise NotFound("Unknown payment provider.", code="unknown_payment_provider")
        return gateway

    def has(self, name: str) -> bool:
        return name in self.gateways

    async def close(self) -> None:
        for gateway in self.gateways.values():
            await gateway.close()


def build_gateways(settings: Settings) -> GatewayRegistry:
    """The configured provider, plus Stripe when keyed and the sandbox outside production.

    Older payments keep working after the default provider is switched (refunds, webhooks).
    """
    config = settings.payments
    tolerance = config.webhook_tolerance_seconds
    registry = GatewayRegistry(default_name=config.provider)
    if config.provider == "sandbox" or not settings.is_production:
        from mercato.payments.providers.sandbox import SandboxGateway

        registry.gateways["sandbox"] = SandboxGateway(
            webhook_secret=config.webhook_secret.get_secret_value(), tolerance_seconds=tolerance
        )
    if config.provider == "stripe" or config.stripe_api_key is not None:
        if config.stripe_api_key is None:
            raise ValueError("MERCATO_PAYMENTS__STRIPE_API_KEY is required for the stripe provider")
        from mercato.payments.providers.stripe import StripeGateway

        secret = config.stripe_webhook_secret
        registry.gateways["stripe"] = StripeGateway(
            api_key=config.stripe_api_key.get_secret_value(),
            webhook_secret=secret.get_secret_value() if secret else None,
            api_base=config.stripe_api_base,
            tolerance_seconds=tolerance,
            timeout_seconds=config.stripe_timeout_seconds,
            max_network_retries=config.stripe_max_network_retries,
        )
    return registry
