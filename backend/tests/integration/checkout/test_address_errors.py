"""PUT /carts/{id}/address: every error of one request in one 422, each at its field.

The request's own checks (email, names, lengths, one line) and the country rules (shipped to,
postal code format, region) used to answer in two rounds: a shopper who mistyped the name and the
postal code saw one error, fixed it, then saw the next."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.checkout.helpers import ADDRESS, API, expect, new_cart

BODY: dict[str, Any] = {"email": "ada@example.com", "same_as_shipping": True}


def _errors(response: httpx.Response) -> dict[tuple[str, ...], str]:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "validation_error"
    return {tuple(e["loc"]): e["type"] for e in problem["errors"]}


async def _put(client: httpx.AsyncClient, cart_id: str, body: dict[str, Any]) -> httpx.Response:
    return await client.put(f"{API}/carts/{cart_id}/address", json=body)


async def test_a_bad_name_and_a_bad_postal_code_are_both_in_one_answer(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)
    address = {**ADDRESS, "first_name": "Ada\nLovelace", "postal_code": "1234"}
    response = await _put(client, cart_id, {**BODY, "shipping_address": address})
    assert _errors(response) == {
        ("body", "shipping_address", "first_name"): "one_line",
        ("body", "shipping_address", "postal_code"): "postal_code_format",
    }
    messages = {e["loc"][-1]: e["msg"] for e in response.json()["errors"]}
    assert messages["postal_code"] == "Not a valid postal code for Germany (for example 10115)."
    cart = expect(await client.get(f"{API}/carts/{cart_id}"), 200)
    assert cart["shipping_address"] is None  # nothing changed


async def test_every_country_rule_joins_the_requests_own_errors(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)
    not_shipped_to = {**ADDRESS, "last_name": "", "country": "FI", "postal_code": "00100"}
    assert _errors(await _put(client, cart_id, {**BODY, "shipping_address": not_shipped_to})) == {
        ("body", "shipping_address", "last_name"): "string_too_short",
        ("body", "shipping_address", "country"): "country_not_allowed",
    }
    no_state = {**ADDRESS, "country": "US", "postal_code": "94105"}
    assert _errors(
        await _put(client, cart_id, {**BODY, "email": "not-an-email", "shipping_address": no_state})
    ) == {("body", "email"): "value_error", ("body", "shipping_address", "region"): "missing"}
    billing = {**ADDRESS, "postal_code": "ABCDE"}
    assert _errors(
        await _put(
            client,
            cart_id,
            {
                **BODY,
                "same_as_shipping": False,
                "shipping_address": {**ADDRESS, "city": "x" * 101},
                "billing_address": billing,
            },
        )
    ) == {
        ("body", "shipping_address", "city"): "string_too_long",
        ("body", "billing_address", "postal_code"): "postal_code_format",
    }


async def test_a_field_that_failed_is_not_judged_again_by_the_country_rules(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)
    bad_country = {**ADDRESS, "first_name": "", "country": "D1", "postal_code": "1234"}
    assert _errors(await _put(client, cart_id, {**BODY, "shipping_address": bad_country})) == {
        ("body", "shipping_address", "first_name"): "string_too_short",
        ("body", "shipping_address", "country"): "string_pattern_mismatch",
    }
    long_region = {**ADDRESS, "first_name": "", "country": "US", "region": "CALIFORNIA"}
    long_region["postal_code"] = "9410"
    assert _errors(await _put(client, cart_id, {**BODY, "shipping_address": long_region})) == {
        ("body", "shipping_address", "first_name"): "string_too_short",
        ("body", "shipping_address", "region"): "string_too_long",
        ("body", "shipping_address", "postal_code"): "postal_code_format",
    }


async def test_the_country_rules_alone_answer_as_before_and_a_valid_address_is_set(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)
    refused = await _put(
        client, cart_id, {**BODY, "shipping_address": {**ADDRESS, "postal_code": "1234"}}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_address"
    assert [e["loc"] for e in refused.json()["errors"]] == [["shipping_address", "postal_code"]]
    address = {**ADDRESS, "country": "gb", "postal_code": "sw1a  1aa", "city": " London "}
    cart = expect(await _put(client, cart_id, {**BODY, "shipping_address": address}), 200)
    assert cart["shipping_address"]["country"] == "GB"
    assert cart["shipping_address"]["postal_code"] == "SW1A 1AA"
    assert cart["shipping_address"]["city"] == "London"
