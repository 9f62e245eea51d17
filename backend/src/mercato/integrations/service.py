"""Delivery weather and the social feed: provider answers → our rules → degraded, never failed.

A provider error (timeout, open breaker, 5xx, refused URL, bad answer) gives an answer with
`available=False` and one warning per outage (logged when the provider starts failing, and an
info line when it answers again), never an exception: the storefront hides the feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import structlog

from mercato.integrations import locations, rules
from mercato.integrations.exceptions import LocationRequired, UnknownLocation
from mercato.integrations.providers.port import DailyWeather, SocialFeed, WeatherProvider
from mercato.integrations.sanitize import clean_html, plain_text
from mercato.platform.config import IntegrationsSettings
from mercato.platform.http import ProviderError

log = structlog.get_logger("mercato.integrations")


@dataclass(frozen=True)
class WeatherDay:
    day: date
    weather: DailyWeather
    summary: str
    hazards: tuple[rules.Hazard, ...]


@dataclass(frozen=True)
class WeatherReport:
    available: bool
    source: str
    latitude: float
    longitude: float
    city: str | None = None
    country: str | None = None
    approximate: bool = False
    days: tuple[WeatherDay, ...] = ()

    @property
    def hazards(self) -> tuple[rules.Hazard, ...]:
        found = {h for d in self.days for h in d.hazards}
        return tuple(h for h in rules.HAZARD_ORDER if h in found)

    @property
    def delivery_may_be_delayed(self) -> bool:
        return bool(self.hazards)

    @property
    def message(self) -> str | None:
        if not self.delivery_may_be_delayed:
            return None
        first = next(d for d in self.days if d.hazards)
        where = f" near {self.city}" if self.city and not self.approximate else ""
        when = first.day.strftime("%a %d %b").replace(" 0", " ")
        return (
            f"Severe weather ({rules.describe(self.hazards)}) is forecast{where} from {when}: "
            "your delivery may be delayed."
        )


@dataclass(frozen=True)
class FeedPost:
    id: str
    url: str
    created_at: datetime
    author_name: str
    author_handle: str
    author_url: str
    content_html: str
    content_text: str
    language: str | None


@dataclass(frozen=True)
class SocialFeedResult:
    available: bool
    source: str
    hashtag: str
    posts: tuple[FeedPost, ...] = ()
    next_cursor: str | None = None


@dataclass
class _Health:
    """One warning per outage of a provider, one info line when it is back."""

    failing: set[str] = field(default_factory=set)

    def failed(self, feature: str, provider: str, exc: Exception) -> None:
        if not isinstance(exc, ProviderError):
            log.error("integrations.provider_bug", feature=feature, provider=provider, exc_info=exc)
        if feature not in self.failing:
            self.failing.add(feature)
            log.warning(
                "integrations.degraded",
                feature=feature,
                provider=provider,
                error=type(exc).__name__,
                detail=str(exc)[:300],
            )

    def ok(self, feature: str, provider: str) -> None:
        if feature in self.failing:
            self.failing.discard(feature)
            log.info("integrations.recovered", feature=feature, provider=provider)


class IntegrationsService:
    """Long-lived (one per process, on the Container): holds the providers and outage state."""

    def __init__(
        self, weather: WeatherProvider, social: SocialFeed, settings: IntegrationsSettings
    ) -> None:
        self.weather = weather
        self.social = social
        self._settings = settings
        self._limits = rules.Thresholds(
            wind_kmh=settings.severe_wind_kmh,
            gusts_kmh=settings.severe_gusts_kmh,
            precipitation_mm=settings.severe_precipitation_mm,
            snowfall_cm=settings.severe_snowfall_cm,
        )
        self._health = _Health()

    async def close(self) -> None:
        await self.weather.close()
        await self.social.close()

    # ------------------------------------------------------------------ weather

    async def delivery_weather(
        self,
        *,
        latitude: float | None = None,
        longitude: float | None = None,
        country: str | None = None,
        postal_code: str | None = None,
        city: str | None = None,
    ) -> WeatherReport:
        """The forecast at a point or an address, with the hazards that may delay delivery."""
        if latitude is not None and longitude is not None:
            return await self._weather_at(latitude, longitude)
        if latitude is not None or longitude is not None or not country:
            raise LocationRequired()
        found = locations.locate(country, postal_code, city)
        if found is None:
            raise UnknownLocation(f"No weather location is known for country {country.upper()!r}.")
        place = found.place
        return await self._weather_at(
            place.latitude,
            place.longitude,
            city=place.city,
            country=place.country,
            approximate=found.approximate,
        )

    async def _weather_at(
        self,
        latitude: float,
        longitude: float,
        *,
        city: str | None = None,
        country: str | None = None,
        approximate: bool = False,
    ) -> WeatherReport:
        # ~1 km: plenty for weather, and nearby addresses share one cached provider answer
        lat, lon = round(latitude, 2), round(longitude, 2)
        source = self.weather.name
        try:
            forecast = await self.weather.forecast(lat, lon, self._settings.weather_forecast_days)
        except Exception as exc:  # ProviderError, or a provider bug: degrade either way
            self._health.failed("weather", source, exc)
            return WeatherReport(False, source, lat, lon, city, country, approximate)
        self._health.ok("weather", source)
        days = tuple(
            WeatherDay(
                day=d.day,
                weather=d,
                summary=rules.summary(d.weather_code),
                hazards=rules.hazards_of(d, self._limits),
            )
            for d in forecast.days[: self._settings.weather_forecast_days]
        )
        return WeatherReport(True, source, lat, lon, city, country, approximate, days)

    # ------------------------------------------------------------------ social

    async def social_feed(
        self, limit: int | None = None, cursor: str | None = None
    ) -> SocialFeedResult:
        """The newest shown-worthy posts for the shop's hashtag, sanitised; `cursor` pages on."""
        hashtag = self._settings.social_hashtag
        limit = limit or self._settings.social_limit
        source = self.social.name
        try:
            # look at a few more: content-warned or empty posts are skipped below
            page = await self.social.posts(hashtag, min(40, limit * 2), max_id=cursor)
        except Exception as exc:  # ProviderError, or a provider bug: degrade either way
            self._health.failed("social", source, exc)
            return SocialFeedResult(False, source, hashtag)
        self._health.ok("social", source)
        posts: list[FeedPost] = []
        next_cursor = page.next_max_id
        for post in page.posts:
            if len(posts) == limit:
                next_cursor = posts[-1].id  # the rest of this page comes next time
                break
            if post.sensitive or post.spoiler_text:
                continue  # content warnings are not for a shop's home page
            text = plain_text(post.html)
            if not text:
                continue
            posts.append(
                FeedPost(
                    id=post.id,
                    url=post.url,
                    created_at=post.created_at,
                    author_name=plain_text(post.author_name) or post.author_handle,
                    author_handle=post.author_handle,
                    author_url=post.author_url,
                    content_html=clean_html(post.html),
                    content_text=text,
                    language=post.language,
                )
            )
        return SocialFeedResult(True, source, hashtag, tuple(posts), next_cursor)
