"""Integrations endpoints (thin): delivery weather and the social feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from mercato.integrations.ports import IntegrationsDep
from mercato.integrations.schemas import SocialFeedRead, WeatherRead

router = APIRouter(prefix="/integrations", tags=["integrations"])

# what a browser or CDN may reuse: the answer depends only on the query, never on the caller
_CACHE_CONTROL = "public, max-age=300"


@router.get(
    "/weather",
    operation_id="getDeliveryWeather",
    summary="Forecast at a point or an address, and whether weather may delay delivery",
    description=(
        "Give `lat` and `lon`, or a `country` (ISO 3166-1 alpha-2) with a `postal_code` and/or "
        "`city`. When the weather provider cannot answer, `available` is false (never an error)."
    ),
    response_model=WeatherRead,
    responses={
        404: {"description": "unknown_location: no weather location for this country"},
        422: {"description": "location_required, or a value out of range"},
    },
)
async def get_weather(
    container: IntegrationsDep,
    response: Response,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="latitude (WGS84)")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="longitude (WGS84)")] = None,
    country: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")
    ] = None,
    postal_code: Annotated[
        str | None, Query(max_length=16, pattern=r"^[A-Za-z0-9 -]{1,16}$")
    ] = None,
    city: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> WeatherRead:
    report = await container.integrations.delivery_weather(
        latitude=lat, longitude=lon, country=country, postal_code=postal_code, city=city
    )
    if report.available:
        response.headers["Cache-Control"] = _CACHE_CONTROL
    return WeatherRead.of(report)


@router.get(
    "/social-feed",
    operation_id="getSocialFeed",
    summary="Newest public posts with the shop's hashtag, sanitised",
    description="When the social provider cannot answer, `available` is false and `items` empty.",
    response_model=SocialFeedRead,
)
async def get_social_feed(
    container: IntegrationsDep,
    response: Response,
    limit: Annotated[int | None, Query(ge=1, le=20, description="at most this many posts")] = None,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9]{1,40}$", description="next_cursor of the last page"),
    ] = None,
) -> SocialFeedRead:
    result = await container.integrations.social_feed(limit, cursor)
    if result.available:
        response.headers["Cache-Control"] = _CACHE_CONTROL
    return SocialFeedRead.of(result)
