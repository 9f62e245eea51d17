"""GET /shipping/countries: the countries checkout accepts, from the configuration."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mercato.platform.config import Settings
from tests.conftest import make_settings
from tests.integration.checkout.helpers import ADDRESS, API, expect, new_cart


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, checkout={"allowed_countries": ["lu", "DE", "AT", "DE"]})


async def test_lists_the_configured_countries_sorted_and_publicly_cacheable(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{API}/shipping/countries")
    body = expect(response, 200)
    assert (body["items"], body["next_cursor"]) == (["AT", "DE", "LU"], None)
    assert response.headers["Cache-Control"] == "public, max-age=300"


async def test_each_country_comes_with_its_name_and_what_its_address_form_needs(
    client: httpx.AsyncClient,
) -> None:
    """The storefront's Country selects show names, and a form can hint at the postal code's
    form; `items` (the codes) stays for the clients that read it."""
    body = expect(await client.get(f"{API}/shipping/countries"), 200)
    assert body["countries"] == [
        {"code": "AT", "name": "Austria", "postal_code_example": "1010", "region_required": False},
        {"code": "DE", "name": "Germany", "postal_code_example": "10115", "region_required": False},
        {
            "code": "LU",
            "name": "Luxembourg",
            "postal_code_example": "L-1009",
            "region_required": False,
        },
    ]
    assert [c["code"] for c in body["countries"]] == body["items"]


async def test_a_country_not_listed_is_the_one_the_address_step_refuses(
    client: httpx.AsyncClient,
) -> None:
    listed = expect(await client.get(f"{API}/shipping/countries"), 200)["items"]
    assert "FI" not in listed
    cart_id = await new_cart(client)
    body = {"email": "ada@example.com", "same_as_shipping": True}
    refused = await client.put(
        f"{API}/carts/{cart_id}/address",
        json={**body, "shipping_address": {**ADDRESS, "country": "FI", "postal_code": "00100"}},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_address"
    accepted = await client.put(
        f"{API}/carts/{cart_id}/address",
        json={**body, "shipping_address": {**ADDRESS, "country": "LU", "postal_code": "1009"}},
    )
    assert accepted.status_code == 200, accepted.text
