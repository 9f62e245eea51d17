"""Severe-weather rules (WMO codes and thresholds) and the offline postal-code table."""

from __future__ import annotations

from datetime import date

import pytest

from mercato.integrations import locations, rules
from mercato.integrations.providers.port import DailyWeather
from mercato.platform.config import CheckoutSettings

LIMITS = rules.Thresholds()


def day(code: int = 1, rain: float = 0.0, wind: float = 10.0, **kw: float) -> DailyWeather:
    return DailyWeather(date(2026, 12, 2), code, rain, wind, **kw)


@pytest.mark.parametrize(
    ("code", "hazard"),
    [
        (95, "thunderstorm"),
        (96, "thunderstorm"),
        (99, "thunderstorm"),
        (65, "heavy_rain"),
        (82, "heavy_rain"),
        (66, "freezing_rain"),
        (67, "freezing_rain"),
        (57, "freezing_rain"),
        (75, "heavy_snow"),
        (86, "heavy_snow"),
    ],
)
def test_severe_wmo_codes(code: int, hazard: str) -> None:
    assert rules.hazards_of(day(code), LIMITS) == (hazard,)


@pytest.mark.parametrize("code", [0, 1, 2, 3, 45, 51, 61, 63, 71, 73, 80, 81, 85])
def test_ordinary_weather_is_no_hazard(code: int) -> None:
    assert rules.hazards_of(day(code, rain=5.0, wind=30.0), LIMITS) == ()


def test_thresholds_catch_what_the_code_understates() -> None:
    assert rules.hazards_of(day(3, wind=62.0), LIMITS) == ("storm",)
    assert rules.hazards_of(day(3, wind=40.0, wind_gusts_max_kmh=95.0), LIMITS) == ("storm",)
    assert rules.hazards_of(day(63, rain=31.0), LIMITS) == ("heavy_rain",)
    assert rules.hazards_of(day(73, rain=20.0, snowfall_cm=12.0), LIMITS) == ("heavy_snow",)
    assert rules.hazards_of(day(3, wind=61.9, wind_gusts_max_kmh=89.9, rain=29.9), LIMITS) == ()
    strict = rules.Thresholds(wind_kmh=30.0)
    assert rules.hazards_of(day(3, wind=31.0), strict) == ("storm",)


def test_hazards_come_most_disruptive_first_and_read_well() -> None:
    found = rules.hazards_of(day(95, rain=40.0, wind=70.0), LIMITS)
    assert found == ("storm", "thunderstorm", "heavy_rain")
    assert rules.describe(found) == "storm-force wind, thunderstorms and heavy rain"
    assert rules.summary(95) == "Thunderstorm"
    assert rules.summary(42) == "Unknown"


@pytest.mark.parametrize(
    ("country", "postal_code", "city"),
    [
        ("DE", "20095", "Hamburg"),
        ("DE", "10115", "Berlin"),
        ("DE", "04109", "Leipzig"),
        ("AT", "1010", "Wien"),
        ("FR", "29200", "Brest"),
        ("FR", "75001", "Paris"),
        ("GB", "SW1A 1AA", "London"),
        ("GB", "B1 1AA", "Birmingham"),
        ("GB", "BS1 4DJ", "Bristol"),
        ("GB", "EH1 1YZ", "Edinburgh"),
        ("LU", "L-1234", "Luxembourg"),
        ("NL", "1012 AB", "Amsterdam"),
        ("PL", "30-001", "Kraków"),
        ("PT", "4000-001", "Porto"),
        ("SE", "114 55", "Stockholm"),
        ("SE", "753 20", "Uppsala"),
        ("US", "10001", "New York"),
        ("US", "60601", "Chicago"),
        ("CA", "M5V 3L9", "Toronto"),
        ("IE", "D02 XY45", "Dublin"),
        ("de", "20095", "Hamburg"),
    ],
)
def test_postal_codes_find_their_region(country: str, postal_code: str, city: str) -> None:
    found = locations.locate(country, postal_code)
    assert found is not None
    assert found.place.city == city
    assert found.approximate is False


def test_a_city_name_matches_without_accents_and_case() -> None:
    found = locations.locate("DE", None, "KOLN")
    assert found is not None
    assert found.place.city == "Köln"
    found = locations.locate("SE", "", "göteborg")
    assert found is not None
    assert found.place.city == "Göteborg"


def test_an_unknown_postal_code_falls_back_to_the_country_approximately() -> None:
    found = locations.locate("DE", "99999")
    assert found is not None
    assert (found.place.city, found.approximate) == ("Berlin", True)


def test_a_country_not_in_the_table_has_no_location() -> None:
    assert locations.locate("JP", "100-0001") is None


def test_every_country_checkout_ships_to_is_in_the_table() -> None:
    assert set(CheckoutSettings().allowed_countries) <= locations.countries()
