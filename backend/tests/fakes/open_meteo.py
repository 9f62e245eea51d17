"""A fake Open-Meteo forecast API on 127.0.0.1, speaking its wire format.

`GET /v1/forecast?latitude=&longitude=&daily=a,b,…&timezone=&forecast_days=` answers
`{"latitude", "longitude", "generationtime_ms", "utc_offset_seconds", "timezone",
"timezone_abbreviation", "elevation", "daily_units": {…}, "daily": {"time": [...], "a": [...]}}`
with one value per requested variable and day; an unknown variable or a missing coordinate is
HTTP 400 `{"error": true, "reason": "…"}` like the real API.

Test controls: `weather[(lat, lon)] = {variable: value}` sets the days at a point (rounded to 2
decimals), `delay` makes every answer slow (client timeouts), `fail_status` answers that status,
`requests` records the query of every call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes._http import serve_json

UNITS = {
    "weather_code": "wmo code",
    "precipitation_sum": "mm",
    "rain_sum": "mm",
    "snowfall_sum": "cm",
    "wind_speed_10m_max": "km/h",
    "wind_gusts_10m_max": "km/h",
    "temperature_2m_max": "°C",
    "temperature_2m_min": "°C",
}
CALM = {
    "weather_code": 1,
    "precipitation_sum": 0.0,
    "rain_sum": 0.0,
    "snowfall_sum": 0.0,
    "wind_speed_10m_max": 11.2,
    "wind_gusts_10m_max": 24.5,
    "temperature_2m_max": 8.4,
    "temperature_2m_min": 1.9,
}


@dataclass
class FakeOpenMeteo:
    weather: dict[tuple[float, float], dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    delay: float = 0.0
    fail_status: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def app(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any]:
        with self.lock:
            self.requests.append(query)
            fail = self.fail_status
        if fail is not None:
            return fail, {"error": True, "reason": "Internal server error"}
        if path != "/v1/forecast":
            return 404, {"error": True, "reason": "Not Found"}
        try:
            lat, lon = float(query["latitude"]), float(query["longitude"])
        except (KeyError, ValueError):
            return 400, {"error": True, "reason": "Parameter 'latitude' and 'longitude' required"}
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return 400, {"error": True, "reason": "Latitude must be in range of -90 to 90°."}
        variables = [v for v in query.get("daily", "").split(",") if v]
        for variable in variables:
            if variable not in UNITS:
                reason = (
                    "Data corrupted at path ''. Cannot initialize "
                    f"ForecastVariableDaily from invalid String value {variable}."
                )
                return 400, {"error": True, "reason": reason}
        if variables and not query.get("timezone"):
            return 400, {"error": True, "reason": "Timezone is required"}
        days = int(query.get("forecast_days", "7"))
        override = self.weather.get((round(lat, 2), round(lon, 2)), {})
        start = datetime.now(UTC).date()
        daily: dict[str, list[Any]] = {
            "time": [(start + timedelta(days=i)).isoformat() for i in range(days)]
        }
        for variable in variables:
            value = override.get(variable, CALM[variable])
            daily[variable] = list(value) if isinstance(value, list) else [value] * days
        return 200, {
            "latitude": round(lat, 3),
            "longitude": round(lon, 3),
            "generationtime_ms": 0.08,
            "utc_offset_seconds": 0,
            "timezone": "GMT" if query.get("timezone") == "auto" else query.get("timezone"),
            "timezone_abbreviation": "GMT",
            "elevation": 12.0,
            "daily_units": {"time": "iso8601", **{v: UNITS[v] for v in variables}},
            "daily": daily,
        }


@contextmanager
def fake_open_meteo() -> Iterator[FakeOpenMeteo]:
    fake = FakeOpenMeteo()
    with serve_json(fake.app, delay=lambda: fake.delay) as url:
        fake.url = url
        yield fake
