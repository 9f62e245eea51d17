"""Chooses the weather and social-feed providers from settings (called by the composition root)."""

from __future__ import annotations

from mercato.integrations.providers.port import SocialFeed, WeatherProvider
from mercato.platform.cache import Cache
from mercato.platform.config import Settings
from mercato.platform.http import OutboundClient, outbound_policy


def build_weather(settings: Settings, cache: Cache) -> WeatherProvider:
    config = settings.integrations
    if config.weather_provider == "open-meteo":
        from mercato.integrations.providers.open_meteo import PROVIDER, OpenMeteoWeather

        client = OutboundClient(
            PROVIDER,
            outbound_policy(settings, PROVIDER),
            base_url=config.open_meteo_url,
            headers={"Accept": "application/json", "User-Agent": "Mercato/1 (+weather)"},
            cache=cache,
        )
        return OpenMeteoWeather(client, cache_ttl=config.weather_cache_seconds)
    from mercato.integrations.providers.fixtures import FixtureWeather

    return FixtureWeather()


def build_social_feed(settings: Settings, cache: Cache) -> SocialFeed:
    config = settings.integrations
    if config.social_provider == "mastodon":
        from mercato.integrations.providers.mastodon import PROVIDER, MastodonSocialFeed

        headers = {"Accept": "application/json", "User-Agent": "Mercato/1 (+social)"}
        if config.mastodon_access_token is not None:
            headers["Authorization"] = f"Bearer {config.mastodon_access_token.get_secret_value()}"
        client = OutboundClient(
            PROVIDER,
            outbound_policy(settings, PROVIDER),
            base_url=config.mastodon_instance_url,
            headers=headers,
            cache=cache,
        )
        return MastodonSocialFeed(
            client, cache_ttl=config.social_cache_seconds, local_only=config.mastodon_local_only
        )
    from mercato.integrations.providers.fixtures import FixtureSocialFeed

    return FixtureSocialFeed()
