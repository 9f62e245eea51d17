"""When does weather delay a delivery? WMO weather codes, wind, rain and snow against thresholds.

WMO 4677 codes as Open-Meteo reports them: 56/57 freezing drizzle, 65 heavy rain, 66/67 freezing
rain, 75 heavy snowfall, 82 violent rain showers, 86 heavy snow showers, 95 thunderstorm, 96/99
thunderstorm with hail. Thresholds (settings) catch what the code alone understates: a gale
(mean wind ≥ 62 km/h, Beaufort 8) or gusts ≥ 90 km/h, ≥ 30 mm of rain, ≥ 10 cm of snow in a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mercato.integrations.providers.port import DailyWeather

Hazard = Literal["thunderstorm", "heavy_rain", "freezing_rain", "heavy_snow", "storm"]
HAZARD_ORDER: tuple[Hazard, ...] = (
    "storm",
    "thunderstorm",
    "heavy_snow",
    "freezing_rain",
    "heavy_rain",
)
HAZARD_WORDS: dict[Hazard, str] = {
    "storm": "storm-force wind",
    "thunderstorm": "thunderstorms",
    "heavy_snow": "heavy snow",
    "freezing_rain": "freezing rain",
    "heavy_rain": "heavy rain",
}

_CODE_HAZARDS: dict[int, Hazard] = {
    56: "freezing_rain",
    57: "freezing_rain",
    65: "heavy_rain",
    66: "freezing_rain",
    67: "freezing_rain",
    75: "heavy_snow",
    82: "heavy_rain",
    86: "heavy_snow",
    95: "thunderstorm",
    96: "thunderstorm",
    99: "thunderstorm",
}

WMO_SUMMARIES: dict[int, str] = {
    0: "Clear sky",
    1: "Mainly clear",
    2: "Partly cloudy",
    3: "Overcast",
    45: "Fog",
    48: "Depositing rime fog",
    51: "Light drizzle",
    53: "Drizzle",
    55: "Dense drizzle",
    56: "Light freezing drizzle",
    57: "Dense freezing drizzle",
    61: "Light rain",
    63: "Rain",
    65: "Heavy rain",
    66: "Light freezing rain",
    67: "Heavy freezing rain",
    71: "Light snow",
    73: "Snow",
    75: "Heavy snow",
    77: "Snow grains",
    80: "Light rain showers",
    81: "Rain showers",
    82: "Violent rain showers",
    85: "Snow showers",
    86: "Heavy snow showers",
    95: "Thunderstorm",
    96: "Thunderstorm with hail",
    99: "Thunderstorm with heavy hail",
}


@dataclass(frozen=True)
class Thresholds:
    wind_kmh: float = 62.0
    gusts_kmh: float = 90.0
    precipitation_mm: float = 30.0
    snowfall_cm: float = 10.0


def summary(code: int) -> str:
    return WMO_SUMMARIES.get(code, "Unknown")


def hazards_of(day: DailyWeather, limits: Thresholds) -> tuple[Hazard, ...]:
    """The hazards of one day, in `HAZARD_ORDER` (most disruptive first)."""
    found: set[Hazard] = set()
    if (hazard := _CODE_HAZARDS.get(day.weather_code)) is not None:
        found.add(hazard)
    if day.wind_speed_max_kmh >= limits.wind_kmh or (
        day.wind_gusts_max_kmh is not None and day.wind_gusts_max_kmh >= limits.gusts_kmh
    ):
        found.add("storm")
    if day.precipitation_mm >= limits.precipitation_mm and "heavy_snow" not in found:
        found.add("heavy_rain")
    if day.snowfall_cm is not None and day.snowfall_cm >= limits.snowfall_cm:
        found.add("heavy_snow")
        found.discard("heavy_rain")  # the precipitation sum counts the snow as water
    return tuple(h for h in HAZARD_ORDER if h in found)


def describe(hazards: tuple[Hazard, ...]) -> str:
    words = [HAZARD_WORDS[h] for h in hazards]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
