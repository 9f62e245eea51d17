"""Address validation: country allow-list, required fields and postal-code format per country.

The same rules for an address given at checkout and one saved in the address book (so a saved
address is never refused when it is used)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ModelWrapValidatorHandler, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from mercato.platform.deps import ContainerDep
from mercato.platform.errors import ValidationFailed

_M = TypeVar("_M")

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


# English display names (CLDR's short forms, as a country select shows them): the countries the
# rules know, the rest of the EU/EEA and Switzerland. A configured country outside the table is
# named by its code.
COUNTRY_NAMES: dict[str, str] = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "CA": "Canada",
    "CH": "Switzerland",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DE": "Germany",
    "DK": "Denmark",
    "EE": "Estonia",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GB": "United Kingdom",
    "GR": "Greece",
    "HR": "Croatia",
    "HU": "Hungary",
    "IE": "Ireland",
    "IS": "Iceland",
    "IT": "Italy",
    "LI": "Liechtenstein",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "MT": "Malta",
    "NL": "Netherlands",
    "NO": "Norway",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SE": "Sweden",
    "SI": "Slovenia",
    "SK": "Slovakia",
    "US": "United States",
}


@dataclass(frozen=True)
class CountryForm:
    """What an address form needs to know of a country: its name, an example of its postal code
    (None: any postal code is accepted) and whether a state/province must be given."""

    code: str
    name: str
    postal_code_example: str | None
    region_required: bool


def country_form(code: str) -> CountryForm:
    code = code.upper()
    example = POSTAL_CODE_EXAMPLES.get(code)
    return CountryForm(
        code=code,
        name=COUNTRY_NAMES.get(code, code),
        postal_code_example=example[1] if example else None,
        region_required=code in REGIONS,
    )


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
    clean = _cleaned(address)
    errors: list[dict[str, Any]] = [
        {"loc": [field, name], "msg": "This field is required.", "type": "missing"}
        for name in required
        if not clean.get(name)
    ]
    errors += [
        {"loc": [field, name], "msg": msg, "type": kind}
        for name, kind, msg in _rule_errors(clean, allowed_countries)
    ]
    if errors:
        raise ValidationFailed(
            "The address is invalid; see `errors`.",
            code="invalid_address",
            extra={"errors": errors},
        )
    return clean


def _cleaned(address: Mapping[str, Any]) -> dict[str, Any]:
    """Strings trimmed (empty ones None), country, region and postal code upper case."""
    clean: dict[str, Any] = {}
    for key, value in address.items():
        clean[key] = value.strip() if isinstance(value, str) else value
        if clean[key] == "":
            clean[key] = None
    country = (clean.get("country") or "").upper()
    clean["country"] = country or None
    if isinstance(clean.get("postal_code"), str):
        clean["postal_code"] = re.sub(r"\s+", " ", clean["postal_code"].upper())
    if isinstance(clean.get("region"), str):
        clean["region"] = clean["region"].upper()
    return clean


def _rule_errors(
    clean: Mapping[str, Any], allowed_countries: Collection[str] | None, *, partial: bool = False
) -> list[tuple[str, str, str]]:
    """(field, error type, message) for each country rule a cleaned address breaks: a country not
    shipped to (unchecked when `allowed_countries` is None), its postal code's format, its region.
    `partial`: the address is a part of one (an update), so a region it does not name is not
    missing."""
    errors: list[tuple[str, str, str]] = []
    country = clean.get("country") or ""
    if (
        country
        and allowed_countries is not None
        and country not in {c.upper() for c in allowed_countries}
    ):
        errors.append(
            ("country", "country_not_allowed", f"We do not ship to {_country_name(country)}.")
        )
    postal = clean.get("postal_code")
    pattern = POSTAL_CODE_PATTERNS.get(country)
    if isinstance(postal, str) and pattern is not None and not pattern.match(postal):
        errors.append(
            (
                "postal_code",
                "postal_code_format",
                f"Not a valid postal code for {_country_name(country)} "
                f"(for example {POSTAL_CODE_EXAMPLES[country][1]}).",
            )
        )
    region = clean.get("region")
    if country in REGIONS and not (partial and "region" not in clean):
        if not region:
            errors.append(("region", "missing", "A state/province is required."))
        elif region not in REGIONS[country]:
            errors.append(("region", "region", "Unknown state/province."))
    return errors


# --------------------------------------------------------------------------- in request models

# The countries checkout ships to, for the request being validated: set by the dependency
# `address_rule_countries` of every route whose body holds an address; None outside one.
_SHIPPING_COUNTRIES: ContextVar[frozenset[str] | None] = ContextVar(
    "mercato_shipping_countries", default=None
)
_RULE_FIELDS = ("country", "postal_code", "region")


async def address_rule_countries(container: ContainerDep) -> None:
    """Route dependency: lets the address rules in the body's model (`with_address_rules`) check
    the configured countries. FastAPI solves a route's dependencies before it validates the body."""
    allowed = container.settings.checkout.allowed_countries
    _SHIPPING_COUNTRIES.set(frozenset(code.upper() for code in allowed))


def with_address_rules(
    data: Any,
    handler: ModelWrapValidatorHandler[_M],
    *,
    parts: Sequence[str] | None = None,
    partial: bool = False,
) -> _M:
    """Validate `data` (a request body) with `handler`. When that fails, the address rules
    (`normalize_address`'s: country shipped to, postal code format, region) run on the address
    fields that did validate, and their errors join the model's, each at its field, so one 422
    lists every error of the request. When it passes, the service applies the rules as before
    (422 `invalid_address`): a valid request is unchanged.

    `parts`: the body's fields that hold an address (None: the body is one); `partial`: the
    body is an update, which may leave fields (a region) out."""
    try:
        return handler(data)
    except ValidationError as exc:
        if not isinstance(data, Mapping):
            raise
        errors = exc.errors()
        broken: list[InitErrorDetails] = []
        wholes: Sequence[str | None] = parts or [None]
        for part in wholes:
            address = data if part is None else data.get(part)
            if not isinstance(address, Mapping):
                continue
            at: tuple[str, ...] = () if part is None else (part,)
            failed = {
                error["loc"][len(at)]
                for error in errors
                if len(error["loc"]) > len(at) and tuple(error["loc"][: len(at)]) == at
            }
            valid = {
                name: address[name]
                for name in _RULE_FIELDS
                if name in address and name not in failed
            }
            for name, kind, msg in _rule_errors(
                _cleaned(valid), _SHIPPING_COUNTRIES.get(), partial=partial
            ):
                if name not in failed:  # a region too long is not also a region missing
                    broken.append(
                        InitErrorDetails(
                            type=PydanticCustomError(kind, msg),
                            loc=(*at, name),
                            input=address.get(name),
                        )
                    )
        if not broken:
            raise
        again = [
            InitErrorDetails(
                type=PydanticCustomError(error["type"], error["msg"]),
                loc=error["loc"],
                input=error["input"],
            )
            for error in errors
        ]
        raise ValidationError.from_exception_data(exc.title, [*again, *broken]) from None
