"""The admin's view of the shop's providers: which one serves each role, and how this API process
finds it (the outbound circuit breaker of an external provider, mercato.platform.http)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mercato.platform.config import Settings
from mercato.platform.http import breaker_states

ProviderState = Literal["built_in", "ok", "open", "half_open", "unused", "unmonitored"]

_DETAIL: dict[ProviderState, str] = {
    "built_in": "Built in: runs inside Mercato, nothing to reach.",
    "ok": "Answering: the circuit breaker is closed.",
    "open": "Failing: calls are refused until the breaker's reset time, then one probe is sent.",
    "half_open": "Recovering: the next call is a probe; success closes the breaker.",
    "unused": "Not called by this API process since it started.",
    "unmonitored": "Called through its own SDK: failures show on the payment and order pages.",
}


@dataclass(frozen=True)
class ProviderHealth:
    role: str
    provider: str
    external: bool
    state: ProviderState

    @property
    def detail(self) -> str:
        return _DETAIL[self.state]


# (role, the external implementations: name -> its circuit breaker, None when it has none)
_EXTERNAL: dict[str, dict[str, str | None]] = {
    "Payments": {"stripe": None},  # the stripe SDK, with its own retries
    "Carrier": {"easypost": "easypost"},
    "Content": {"sanity": "sanity"},
    "Weather": {"open-meteo": "open-meteo"},
    "Social feed": {"mastodon": "mastodon"},
    "Mail": {"smtp": None},  # the worker sends mail; SMTP failures show as dead-letter tasks
}


def provider_health(settings: Settings) -> list[ProviderHealth]:
    """Payments, carrier, content, weather, social feed and mail, as configured."""
    configured = {
        "Payments": settings.payments.provider,
        "Carrier": settings.shipping.carrier,
        "Content": settings.content.source,
        "Weather": settings.integrations.weather_provider,
        "Social feed": settings.integrations.social_provider,
        "Mail": settings.mail.backend,
    }
    states = breaker_states()
    health = []
    for role, provider in configured.items():
        external = _EXTERNAL[role]
        state: ProviderState
        if provider not in external:
            state = "built_in"
        elif (breaker := external[provider]) is None:
            state = "unmonitored"
        else:
            seen = states.get(breaker)
            state = "unused" if seen is None else "ok" if seen == "closed" else seen
        health.append(ProviderHealth(role, provider, provider in external, state))
    return health
