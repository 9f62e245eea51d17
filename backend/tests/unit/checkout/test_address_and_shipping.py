"""Address validation and table rates (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from mercato.checkout.providers.port import ShippingRateRequest
from mercato.checkout.providers.table_rate import TableRateProvider
from mercato.platform.addresses import (
    COUNTRY_NAMES,
    POSTAL_CODE_EXAMPLES,
    POSTAL_CODE_PATTERNS,
    CountryForm,
    country_form,
    normalize_address,
)
from mercato.platform.config import CheckoutSettings
from mercato.platform.errors import ValidationFailed

ALLOWED = CheckoutSettings().allowed_countries
BASE: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "L",
    "line1": "Street 1",
    "city": "Town",
}


@pytest.mark.parametrize(
    ("country", "postal", "region"),
    [
        ("DE", "10117", None),
        ("FR", "75001", None),
        ("NL", "1012 AB", None),
        ("NL", "1012ab", None),
        ("BE", "1000", None),
        ("AT", "1010", None),
        ("ES", "28013", None),
        ("IT", "00184", None),
        ("GB", "SW1A 1AA", None),
        ("GB", "m1 1ae", None),
        ("US", "94103", "CA"),
        ("US", "10001-1234", "ny"),
        ("CA", "K1A 0B1", "ON"),
    ],
)
def test_valid_postal_codes(country: str, postal: str, region: str | None) -> None:
    clean = normalize_address(
        {**BASE, "country": country.lower(), "postal_code": postal, "region": region},
        allowed_countries=ALLOWED,
        field="shipping_address",
    )
    assert clean["country"] == country
    assert clean["postal_code"] == postal.upper()


@pytest.mark.parametrize(
    ("country", "postal", "region", "error"),
    [
        ("DE", "1011", None, "postal_code_format"),
        ("FR", "7500A", None, "postal_code_format"),
        ("NL", "0123 AB", None, "postal_code_format"),
        ("ES", "99999", None, "postal_code_format"),
        ("GB", "12345", None, "postal_code_format"),
        ("US", "9410", "CA", "postal_code_format"),
        ("US", "94103", None, "missing"),
        ("US", "94103", "XX", "region"),
        ("CA", "D1A 0B1", "ON", "postal_code_format"),
        ("JP", "100-0001", None, "country_not_allowed"),
    ],
)
def test_invalid_addresses(country: str, postal: str, region: str | None, error: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_address(
            {**BASE, "country": country, "postal_code": postal, "region": region},
            allowed_countries=ALLOWED,
            field="shipping_address",
        )
    assert caught.value.code == "invalid_address"
    assert error in {e["type"] for e in caught.value.extra["errors"]}


def test_required_fields() -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_address(
            {"first_name": " ", "country": "DE", "postal_code": "10117"},
            allowed_countries=ALLOWED,
            field="shipping_address",
        )
    missing = {e["loc"][1] for e in caught.value.extra["errors"] if e["type"] == "missing"}
    assert missing == {"first_name", "last_name", "line1", "city"}


def _request(country: str, weight: int, subtotal: int = 1000) -> ShippingRateRequest:
    return ShippingRateRequest(country, None, None, weight, subtotal, "EUR")


async def test_table_rates_flat_weight_and_free_over() -> None:
    settings = CheckoutSettings()
    provider = TableRateProvider(settings.shipping_zones, settings.shipping_methods)
    domestic = {q.code: q.amount for q in await provider.quote(_request("DE", 500))}
    assert domestic == {"standard": 495, "express": 995}
    free = {q.code: q.amount for q in await provider.quote(_request("DE", 500, 5000))}
    assert free["standard"] == 0
    light = {q.code: q.amount for q in await provider.quote(_request("FR", 1500))}
    heavy = {q.code: q.amount for q in await provider.quote(_request("FR", 12000))}
    assert light["heavy"] == 895
    assert heavy["heavy"] == 1795
    world = await provider.quote(_request("US", 3000))
    assert [(q.code, q.amount, q.zone) for q in world] == [("international", 2995, "world")]


def test_every_postal_code_example_fits_its_countrys_pattern() -> None:
    assert set(POSTAL_CODE_EXAMPLES) == set(POSTAL_CODE_PATTERNS)
    for country, (_name, example) in POSTAL_CODE_EXAMPLES.items():
        assert POSTAL_CODE_PATTERNS[country].match(example), country


def test_address_messages_name_the_country_and_show_the_postal_codes_form() -> None:
    address = {
        "first_name": "Ada",
        "last_name": "L",
        "line1": "Hauptstraße 1",
        "city": "Berlin",
        "postal_code": "1234",
        "country": "de",
    }
    with pytest.raises(ValidationFailed) as refused:
        normalize_address(address, allowed_countries=["FR"], field="shipping_address")
    messages = {e["loc"][1]: e["msg"] for e in refused.value.extra["errors"]}
    assert messages == {
        "country": "We do not ship to Germany.",
        "postal_code": "Not a valid postal code for Germany (for example 10115).",
    }


def test_every_country_shipped_to_by_default_or_with_rules_has_a_name() -> None:
    assert set(ALLOWED) | set(POSTAL_CODE_PATTERNS) <= set(COUNTRY_NAMES)
    assert all(name and name[0].isupper() for name in COUNTRY_NAMES.values())


def test_a_countrys_form_names_it_and_says_what_its_address_needs() -> None:
    assert country_form("gb") == CountryForm("GB", "United Kingdom", "SW1A 1AA", False)
    assert country_form("US") == CountryForm("US", "United States", "94105", True)
    assert country_form("CA").region_required
    # a configured country the shop has no name or rules for: its code, any postal code
    assert country_form("JP") == CountryForm("JP", "JP", None, False)
