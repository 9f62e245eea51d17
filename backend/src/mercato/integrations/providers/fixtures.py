"""Offline providers for `make run` and tests: forecasts and posts from JSON files in the package.

The weather file holds Open-Meteo daily values per named location (day 0 = today, UTC), the social
file Mastodon Status entities parsed by the Mastodon provider's own parser, so the fixtures go
through the same mapping and sanitising as real answers.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Any

from mercato.integrations.providers.mastodon import parse_status
from mercato.integrations.providers.port import DailyWeather, Forecast, SocialPage
from mercato.platform.clock import utcnow

EARTH_RADIUS_KM = 6371.0


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files("mercato.integrations").joinpath("fixtures", name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


class FixtureWeather:
    name = "fixtures"

    async def forecast(self, latitude: float, longitude: float, days: int) -> Forecast:
        data = _load("weather.json")
        pattern: list[dict[str, Any]] = data["default"]
        best = float(data["radius_km"])
        for location in data["locations"]:
            d = distance_km(latitude, longitude, location["latitude"], location["longitude"])
            if d <= best:
                best, pattern = d, location["days"]
        today = utcnow().date()
        return Forecast(
            latitude=latitude,
            longitude=longitude,
            timezone="UTC",
            days=tuple(
                DailyWeather(
                    day=today + timedelta(days=i),
                    weather_code=int(v["weather_code"]),
                    precipitation_mm=float(v["precipitation_sum"]),
                    wind_speed_max_kmh=float(v["wind_speed_10m_max"]),
                    wind_gusts_max_kmh=float(v["wind_gusts_10m_max"]),
                    snowfall_cm=float(v["snowfall_sum"]),
                    temperature_max_c=float(v["temperature_2m_max"]),
                    temperature_min_c=float(v["temperature_2m_min"]),
                )
                for i, v in ((i, pattern[i % len(pattern)]) for i in range(days))
            ),
        )

    async def close(self) -> None:
        return None


def _older(ident: str, max_id: str) -> bool:
    return max_id.isdigit() and int(ident) < int(max_id)


class FixtureSocialFeed:
    name = "fixtures"

    async def posts(self, hashtag: str, limit: int, *, max_id: str | None = None) -> SocialPage:
        """Like a Mastodon instance: statuses newest first (by id), `max_id` exclusive."""
        wanted = hashtag.casefold()
        statuses = sorted(
            (
                s
                for s in _load("social.json")["statuses"]
                if wanted in {str(t.get("name", "")).casefold() for t in s.get("tags", [])}
                and (max_id is None or _older(s["id"], max_id))
            ),
            key=lambda s: int(s["id"]),
            reverse=True,
        )
        page = statuses[:limit]
        posts = tuple(post for s in page if (post := parse_status(s)) is not None)
        more = len(statuses) > limit
        return SocialPage(posts, str(page[-1]["id"]) if more and page else None)

    async def close(self) -> None:
        return None
