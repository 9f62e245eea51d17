"""Open-Meteo's forecast API (`GET /v1/forecast`), through the shared outbound client.

Request: `latitude`, `longitude`, `daily=weather_code,precipitation_sum,wind_speed_10m_max,…`,
`timezone=auto`, `forecast_days`, metric units (km/h, mm, °C are Open-Meteo's defaults).
Response: `{"latitude", "longitude", "timezone", "daily_units": {…}, "daily": {"time": [...],
"weather_code": [...], …}}`, column arrays of equal length; an error is HTTP 400 with
`{"error": true, "reason": "…"}`. Wire types stay in this file.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mercato.integrations.providers.port import DailyWeather, Forecast
from mercato.platform.http import OutboundClient, ProviderResponseError

DAILY_VARIABLES = (
    "weather_code",
    "precipitation_sum",
    "wind_speed_10m_max",
    "wind_gusts_10m_max",
    "snowfall_sum",
    "temperature_2m_max",
    "temperature_2m_min",
)
PROVIDER = "open-meteo"


class OpenMeteoWeather:
    name = PROVIDER

    def __init__(self, client: OutboundClient, *, cache_ttl: float) -> None:
        self._client = client
        self._cache_ttl = cache_ttl

    async def forecast(self, latitude: float, longitude: float, days: int) -> Forecast:
        params = {
            "latitude": f"{latitude:.4f}",
            "longitude": f"{longitude:.4f}",
            "daily": ",".join(DAILY_VARIABLES),
            "timezone": "auto",
            "forecast_days": str(days),
            "wind_speed_unit": "kmh",
            "precipitation_unit": "mm",
        }
        data = await self._client.get_json("/v1/forecast", params=params, cache_ttl=self._cache_ttl)
        return parse_forecast(data)

    async def close(self) -> None:
        await self._client.aclose()


def parse_forecast(data: Any) -> Forecast:
    """Open-Meteo's column-oriented `daily` block → our `Forecast`; odd shapes raise."""
    try:
        if data.get("error"):
            raise ProviderResponseError(PROVIDER, f"error answer: {data.get('reason')!r}")
        daily = data["daily"]
        times = daily["time"]

        def column(name: str, *, required: bool = False) -> list[Any]:
            values = daily.get(name)
            if values is None:
                if required:
                    raise KeyError(name)
                return [None] * len(times)
            if len(values) != len(times):
                raise ValueError(f"{name}: {len(values)} values for {len(times)} days")
            return list(values)

        codes = column("weather_code", required=True)
        rain = column("precipitation_sum")
        wind = column("wind_speed_10m_max")
        gusts = column("wind_gusts_10m_max")
        snow = column("snowfall_sum")
        t_max = column("temperature_2m_max")
        t_min = column("temperature_2m_min")
        days = tuple(
            DailyWeather(
                day=date.fromisoformat(str(times[i])),
                weather_code=int(codes[i]) if codes[i] is not None else 0,
                precipitation_mm=_num(rain[i]) or 0.0,
                wind_speed_max_kmh=_num(wind[i]) or 0.0,
                wind_gusts_max_kmh=_num(gusts[i]),
                snowfall_cm=_num(snow[i]),
                temperature_max_c=_num(t_max[i]),
                temperature_min_c=_num(t_min[i]),
            )
            for i in range(len(times))
        )
        return Forecast(
            latitude=float(data["latitude"]),
            longitude=float(data["longitude"]),
            timezone=str(data.get("timezone") or "GMT"),
            days=days,
        )
    except ProviderResponseError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderResponseError(PROVIDER, f"unexpected forecast shape: {exc!r}") from exc


def _num(value: Any) -> float | None:
    if value is None:
        return None
    return float(value)
