"""The weather and social-feed ports: our own frozen dataclasses in and out, no wire types.

Implementations raise `mercato.platform.http.ProviderError` (or a subclass) when the provider
cannot answer usably; the service turns that into a degraded answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class DailyWeather:
    day: date
    weather_code: int  # WMO weather interpretation code (0-99)
    precipitation_mm: float
    wind_speed_max_kmh: float
    wind_gusts_max_kmh: float | None = None
    snowfall_cm: float | None = None
    temperature_max_c: float | None = None
    temperature_min_c: float | None = None


@dataclass(frozen=True)
class Forecast:
    latitude: float
    longitude: float
    timezone: str
    days: tuple[DailyWeather, ...]


class WeatherProvider(Protocol):
    name: str

    async def forecast(self, latitude: float, longitude: float, days: int) -> Forecast:
        """Daily forecast from today (the location's time zone) for `days` days."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class SocialPost:
    id: str
    url: str  # the post on its instance (https only)
    created_at: datetime
    author_name: str
    author_handle: str  # user@instance
    author_url: str
    html: str  # raw provider HTML: the service sanitises it
    language: str | None = None
    sensitive: bool = False
    spoiler_text: str = ""
    media_count: int = 0


@dataclass(frozen=True)
class SocialPage:
    posts: tuple[SocialPost, ...]
    next_max_id: str | None  # the oldest status looked at, when more may follow; None: the end


class SocialFeed(Protocol):
    name: str

    async def posts(self, hashtag: str, limit: int, *, max_id: str | None = None) -> SocialPage:
        """Newest public posts tagged `hashtag` (without '#') from at most `limit` statuses,
        older than `max_id` when given (the feed's cursor)."""
        ...

    async def close(self) -> None: ...
