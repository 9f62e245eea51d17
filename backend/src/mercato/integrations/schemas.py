"""API schemas of the integrations module (our own shapes, never a provider's)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from mercato.integrations.rules import Hazard
from mercato.integrations.service import SocialFeedResult, WeatherReport


class WeatherLocationRead(BaseModel):
    latitude: float
    longitude: float
    city: str | None = Field(description="The table's city for an address lookup")
    country: str | None
    approximate: bool = Field(
        description="The postal code was not in the table: the country's main city stands in"
    )


class WeatherDayRead(BaseModel):
    date: dt.date
    weather_code: int = Field(description="WMO weather interpretation code")
    summary: str
    precipitation_mm: float
    wind_speed_max_kmh: float
    wind_gusts_max_kmh: float | None
    snowfall_cm: float | None
    temperature_max_c: float | None
    temperature_min_c: float | None
    hazards: list[Hazard]


class WeatherRead(BaseModel):
    available: bool = Field(description="False when the weather provider could not answer")
    source: str = Field(description="fixtures | open-meteo")
    location: WeatherLocationRead
    delivery_may_be_delayed: bool
    hazards: list[Hazard]
    message: str | None = Field(description="Shopper-facing notice when delivery may be delayed")
    days: list[WeatherDayRead]

    @classmethod
    def of(cls, report: WeatherReport) -> WeatherRead:
        return cls(
            available=report.available,
            source=report.source,
            location=WeatherLocationRead(
                latitude=report.latitude,
                longitude=report.longitude,
                city=report.city,
                country=report.country,
                approximate=report.approximate,
            ),
            delivery_may_be_delayed=report.delivery_may_be_delayed,
            hazards=list(report.hazards),
            message=report.message,
            days=[
                WeatherDayRead(
                    date=d.day,
                    weather_code=d.weather.weather_code,
                    summary=d.summary,
                    precipitation_mm=d.weather.precipitation_mm,
                    wind_speed_max_kmh=d.weather.wind_speed_max_kmh,
                    wind_gusts_max_kmh=d.weather.wind_gusts_max_kmh,
                    snowfall_cm=d.weather.snowfall_cm,
                    temperature_max_c=d.weather.temperature_max_c,
                    temperature_min_c=d.weather.temperature_min_c,
                    hazards=list(d.hazards),
                )
                for d in report.days
            ],
        )


class SocialAuthorRead(BaseModel):
    name: str
    handle: str = Field(description="user@instance")
    url: str


class SocialPostRead(BaseModel):
    id: str
    url: str = Field(description="The post on its instance")
    created_at: dt.datetime
    author: SocialAuthorRead
    content_html: str = Field(
        description="Sanitised HTML: p, br and a (http/https, rel=nofollow noopener) only"
    )
    content_text: str
    language: str | None


class SocialFeedRead(BaseModel):
    available: bool = Field(description="False when the social provider could not answer")
    source: str = Field(description="fixtures | mastodon")
    hashtag: str
    items: list[SocialPostRead]
    next_cursor: str | None = Field(description="Pass as `cursor` for older posts; null: the end")

    @classmethod
    def of(cls, result: SocialFeedResult) -> SocialFeedRead:
        return cls(
            available=result.available,
            source=result.source,
            hashtag=result.hashtag,
            next_cursor=result.next_cursor,
            items=[
                SocialPostRead(
                    id=p.id,
                    url=p.url,
                    created_at=p.created_at,
                    author=SocialAuthorRead(
                        name=p.author_name, handle=p.author_handle, url=p.author_url
                    ),
                    content_html=p.content_html,
                    content_text=p.content_text,
                    language=p.language,
                )
                for p in result.posts
            ],
        )
