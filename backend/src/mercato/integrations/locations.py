"""An offline table from postal code or city to coordinates, for the countries checkout ships to.

Coarse on purpose: weather at delivery needs the region, not the street. A postal code matches the
entry with the longest prefix (GB and CA: the leading letters of the postcode area / the first
letter); otherwise a city name matches; otherwise the country's first entry (its largest city)
stands in, marked `approximate`. A country not in the table has no location (no notice).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    country: str
    city: str
    latitude: float
    longitude: float
    postal_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Located:
    place: Place
    approximate: bool  # the country's stand-in city, not the postal code's or city's own


def _p(country: str, city: str, lat: float, lon: float, *prefixes: str) -> Place:
    return Place(country, city, lat, lon, prefixes)


PLACES: tuple[Place, ...] = (
    # Germany: 5-digit codes, the first two digits are the region
    _p("DE", "Berlin", 52.52, 13.405, "10", "12", "13", "14"),
    _p("DE", "Hamburg", 53.55, 9.99, "20", "21", "22"),
    _p("DE", "München", 48.14, 11.58, "80", "81", "82", "85"),
    _p("DE", "Köln", 50.94, 6.96, "50", "51"),
    _p("DE", "Frankfurt am Main", 50.11, 8.68, "60", "61", "63", "65"),
    _p("DE", "Stuttgart", 48.78, 9.18, "70", "71", "72", "73"),
    _p("DE", "Düsseldorf", 51.23, 6.78, "40", "41", "42"),
    _p("DE", "Leipzig", 51.34, 12.37, "04"),
    _p("DE", "Dresden", 51.05, 13.74, "01"),
    _p("DE", "Hannover", 52.37, 9.73, "30", "31"),
    _p("DE", "Bremen", 53.08, 8.80, "27", "28"),
    _p("DE", "Nürnberg", 49.45, 11.08, "90", "91"),
    # Austria: 4 digits, the first is the region
    _p("AT", "Wien", 48.21, 16.37, "1"),
    _p("AT", "Graz", 47.07, 15.44, "8"),
    _p("AT", "Linz", 48.31, 14.29, "4"),
    _p("AT", "Salzburg", 47.81, 13.04, "5"),
    _p("AT", "Innsbruck", 47.27, 11.39, "6"),
    # Belgium
    _p("BE", "Bruxelles", 50.85, 4.35, "1"),
    _p("BE", "Antwerpen", 51.22, 4.40, "2"),
    _p("BE", "Gent", 51.05, 3.72, "9"),
    _p("BE", "Liège", 50.63, 5.57, "4"),
    # Denmark
    _p("DK", "København", 55.68, 12.57, "1", "2"),
    _p("DK", "Aarhus", 56.16, 10.20, "8"),
    _p("DK", "Odense", 55.40, 10.39, "5"),
    _p("DK", "Aalborg", 57.05, 9.92, "9"),
    # Spain: the first two digits are the province
    _p("ES", "Madrid", 40.42, -3.70, "28"),
    _p("ES", "Barcelona", 41.39, 2.17, "08"),
    _p("ES", "Valencia", 39.47, -0.38, "46"),
    _p("ES", "Sevilla", 37.39, -5.98, "41"),
    _p("ES", "Bilbao", 43.26, -2.93, "48"),
    # France: the first two digits are the département
    _p("FR", "Paris", 48.86, 2.35, "75", "92", "93", "94"),
    _p("FR", "Lyon", 45.76, 4.84, "69"),
    _p("FR", "Marseille", 43.30, 5.37, "13"),
    _p("FR", "Toulouse", 43.60, 1.44, "31"),
    _p("FR", "Bordeaux", 44.84, -0.58, "33"),
    _p("FR", "Lille", 50.63, 3.06, "59"),
    _p("FR", "Brest", 48.39, -4.49, "29"),
    # Italy
    _p("IT", "Roma", 41.90, 12.50, "00"),
    _p("IT", "Milano", 45.46, 9.19, "20"),
    _p("IT", "Napoli", 40.85, 14.27, "80"),
    _p("IT", "Torino", 45.07, 7.69, "10"),
    _p("IT", "Firenze", 43.77, 11.26, "50"),
    _p("IT", "Venezia", 45.44, 12.32, "30"),
    # Luxembourg ("L-1234")
    _p("LU", "Luxembourg", 49.61, 6.13, "1", "2"),
    _p("LU", "Esch-sur-Alzette", 49.50, 5.98, "4"),
    # Netherlands: 4 digits + 2 letters
    _p("NL", "Amsterdam", 52.37, 4.90, "10", "11"),
    _p("NL", "Rotterdam", 51.92, 4.48, "30", "31"),
    _p("NL", "Den Haag", 52.08, 4.30, "25"),
    _p("NL", "Utrecht", 52.09, 5.12, "35"),
    _p("NL", "Eindhoven", 51.44, 5.47, "56"),
    # Poland: NN-NNN
    _p("PL", "Warszawa", 52.23, 21.01, "00", "01", "02", "03", "04"),
    _p("PL", "Kraków", 50.06, 19.94, "30", "31"),
    _p("PL", "Gdańsk", 54.35, 18.65, "80"),
    _p("PL", "Wrocław", 51.11, 17.04, "50", "51"),
    _p("PL", "Poznań", 52.41, 16.93, "60", "61"),
    # Portugal: NNNN-NNN
    _p("PT", "Lisboa", 38.72, -9.14, "1"),
    _p("PT", "Porto", 41.15, -8.61, "4"),
    _p("PT", "Coimbra", 40.21, -8.43, "3"),
    _p("PT", "Faro", 37.02, -7.93, "8"),
    # Sweden: NNN NN
    _p("SE", "Stockholm", 59.33, 18.07, "1"),
    _p("SE", "Göteborg", 57.71, 11.97, "4"),
    _p("SE", "Malmö", 55.60, 13.00, "2"),
    _p("SE", "Uppsala", 59.86, 17.64, "75"),
    _p("SE", "Umeå", 63.83, 20.26, "90"),
    # United Kingdom: the postcode area (leading letters)
    _p("GB", "London", 51.51, -0.13, "E", "EC", "N", "NW", "SE", "SW", "W", "WC"),
    _p("GB", "Manchester", 53.48, -2.24, "M"),
    _p("GB", "Birmingham", 52.49, -1.89, "B"),
    _p("GB", "Edinburgh", 55.95, -3.19, "EH"),
    _p("GB", "Glasgow", 55.86, -4.25, "G"),
    _p("GB", "Bristol", 51.45, -2.59, "BS"),
    # Ireland: Eircode routing key (letter + 2 digits)
    _p("IE", "Dublin", 53.35, -6.26, "D"),
    _p("IE", "Cork", 51.90, -8.47, "T"),
    _p("IE", "Galway", 53.27, -9.05, "H"),
    _p("IE", "Limerick", 52.66, -8.63, "V"),
    # United States: ZIP, the first three digits are the sectional centre
    _p("US", "New York", 40.71, -74.01, "100", "101", "102", "112"),
    _p("US", "Los Angeles", 34.05, -118.24, "900", "901"),
    _p("US", "Chicago", 41.88, -87.63, "606", "607", "608"),
    _p("US", "Houston", 29.76, -95.37, "770"),
    _p("US", "San Francisco", 37.77, -122.42, "941"),
    _p("US", "Seattle", 47.61, -122.33, "981"),
    _p("US", "Miami", 25.76, -80.19, "331"),
    _p("US", "Washington", 38.91, -77.04, "200"),
    # Canada: the first letter of the postal code is the province/region
    _p("CA", "Toronto", 43.65, -79.38, "M", "L"),
    _p("CA", "Montréal", 45.50, -73.57, "H", "J"),
    _p("CA", "Vancouver", 49.28, -123.12, "V"),
    _p("CA", "Ottawa", 45.42, -75.70, "K"),
    _p("CA", "Calgary", 51.05, -114.07, "T"),
)

_LETTER_AREA = {"GB"}  # the prefix is the whole leading-letters group, matched exactly


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def normalise_postal_code(country: str, postal_code: str) -> str:
    code = re.sub(r"[^0-9A-Za-z]", "", postal_code).upper()
    if country == "LU" and code.startswith("L"):
        code = code[1:]
    return code


def countries() -> set[str]:
    return {p.country for p in PLACES}


def locate(country: str, postal_code: str | None = None, city: str | None = None) -> Located | None:
    """The place for an address, or None when the country is not in the table."""
    country = country.upper()
    places = [p for p in PLACES if p.country == country]
    if not places:
        return None
    if postal_code:
        code = normalise_postal_code(country, postal_code)
        if country in _LETTER_AREA:
            area = re.match(r"[A-Z]*", code)
            key = area.group(0) if area else ""
            for place in places:
                if key and key in place.postal_prefixes:
                    return Located(place, approximate=False)
        else:
            best: tuple[int, Place] | None = None
            for place in places:
                for prefix in place.postal_prefixes:
                    if code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                        best = (len(prefix), place)
            if best is not None:
                return Located(best[1], approximate=False)
    if city:
        wanted = _fold(city)
        for place in places:
            if wanted and _fold(place.city) == wanted:
                return Located(place, approximate=False)
    return Located(places[0], approximate=True)
