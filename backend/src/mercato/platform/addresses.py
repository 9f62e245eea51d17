"""Address validation: country allow-list, required fields and postal-code format per country.

The same rules for an address given at checkout and one saved in the address book (so a saved
address is never refused when it is used)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from mercato.platform.errors import ValidationFailed

POSTAL_CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    code: re.compile(pattern)
    for code, pattern in {
        "AT": r"^\d{4}$",
        "BE": r"^\d{4}$",
        "CA": r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$",
        "DE": r"^\d{5}$",
        "DK": r"^\d{4}$",
        "ES": r"^(0[1-9]|[1-4]\d|5[0-2])\d{3}$",
        "FR": r"^\d{5}$",
        "GB": r"^([A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}$",
        "IE": r"^[AC-FHKNPRTV-Y][0-9W]{2} ?[0-9AC-FHKNPRTV-Y]{4}$",
        "IT": r"^\d{5}$",
        "LU": r"^(L-)?\d{4}$",
        "NL": r"^[1-9]\d{3} ?[A-Z]{2}$",
        "PL": r"^\d{2}-\d{3}$",
        "PT": r"^\d{4}-\d{3}$",
        "SE": r"^\d{3} ?\d{2}$",
        "US": r"^\d{5}(-\d{4})?$",
    }.items()
}

# how the messages name a country and show its postal code's form (the countries with a pattern)
POSTAL_CODE_EXAMPLES: dict[str, tuple[str, str]] = {
    "AT": ("Austria", "1010"),
    "BE": ("Belgium", "1000"),
    "CA": ("Canada", "K1A 0B1"),
    "DE": ("Germany", "10115"),
    "DK": ("Denmark", "1050"),
    "ES": ("Spain", "28001"),
    "FR": ("France", "75001"),
    "GB": ("the United Kingdom", "SW1A 1AA"),
    "IE": ("Ireland", "D02 X285"),
    "IT": ("Italy", "00118"),
    "LU": ("Luxembourg", "L-1009"),
    "NL": ("the Netherlands", "1012 AB"),
    "PL": ("Poland", "00-001"),
    "PT": ("Portugal", "1000-001"),
    "SE": ("Sweden", "111 22"),
    "US": ("the United States", "94105"),
}


def _country_name(code: str) -> str:
    return POSTAL_CODE_EXAMPLES[code][0] if code in POSTAL_CODE_EXAMPLES else code


US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
    ]
)
CA_PROVINCES = frozenset(
    ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
)
REGIONS: dict[str, frozenset[str]] = {"US": US_STATES, "CA": CA_PROVINCES}
REQUIRED_FIELDS = ("first_name", "last_name", "line1", "city", "postal_code", "country")


def normalize_address(
    address: dict[str, Any],
    *,
    allowed_countries: Collection[str],
    field: str,
    required: Collection[str] = REQUIRED_FIELDS,
) -> dict[str, Any]:
    """Return the address cleaned (trimmed, upper-cased codes) or raise ValidationFailed (422)."""
    errors: list[dict[str, Any]] = []
    clean: dict[str, Any] = {}
    for key, value in address.items():
        clean[key] = value.strip() if isinstance(value, str) else value
        if clean[key] == "":
            clean[key] = None
    country = (clean.get("country") or "").upper()
    clean["country"] = country or None
    for name in required:
        if not clean.get(name):
            errors.append(
                {"loc": [field, name], "msg": "This field is required.", "type": "missing"}
            )
    if country and country not in {c.upper() for c in allowed_countries}:
        errors.append(
            {
                "loc": [field, "country"],
                "msg": f"We do not ship to {_country_name(country)}.",
                "type": "country_not_allowed",
            }
        )
    postal = clean.get("postal_code")
    if isinstance(postal, str):
        postal = re.sub(r"\s+", " ", postal.upper())
        clean["postal_code"] = postal
        pattern = POSTAL_CODE_PATTERNS.get(country)
        if pattern is not None and not pattern.match(postal):
            errors.append(
                {
                    "loc": [field, "postal_code"],
                    "msg": f"Not a valid postal code for {_country_name(country)} "
                    f"(for example {POSTAL_CODE_EXAMPLES[country][1]}).",
                    "type": "postal_code_format",
                }
            )
    region = clean.get("region")
    if isinstance(region, str):
        region = region.upper()
        clean["region"] = region
    if country in REGIONS:
        if not region:
            errors.append(
                {
                    "loc": [field, "region"],
                    "msg": "A state/province is required.",
                    "type": "missing",
                }
            )
        elif region not in REGIONS[country]:
            errors.append(
                {"loc": [field, "region"], "msg": "Unknown state/province.", "type": "region"}
            )
    if errors:
        raise ValidationFailed(
            "The address is invalid; see `errors`.",
            code="invalid_address",
            extra={"errors": errors},
        )
    return clean
