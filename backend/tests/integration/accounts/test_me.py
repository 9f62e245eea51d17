"""Self-service: profile (mass assignment), addresses (ownership), wishlist, export, closure."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.accounts import hooks
from mercato.accounts.models import Address, RefreshToken, User
from mercato.bootstrap import Container
from mercato.catalog.models import Product
from tests.factories import auth_headers, create_product, create_user
from tests.integration.accounts.conftest import login

ADDRESS = {
    "full_name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "postal_code": "SW1Y 4JH",
    "city": "London",
    "country": "gb",
}


async def test_patch_me_changes_only_whitelisted_fields(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    headers = auth_headers(container, user)
    before = (await client.get("/api/v1/me", headers=headers)).json()
    for sneaky in (
        {"role": "admin"},
        {"full_name": "X", "role": "admin"},
        {"email": "admin@example.com"},
        {"is_active": False},
        {"email_verified_at": "2020-01-01T00:00:00Z"},
        {"password_hash": "x"},
        {"locale": "not a locale"},
    ):
        response = await client.patch("/api/v1/me", json=sneaky, headers=headers)
        assert response.status_code == 422, sneaky
    assert (await client.get("/api/v1/me", headers=headers)).json() == before

    ok = await client.patch(
        "/api/v1/me",
        json={"full_name": "  Grace Hopper ", "locale": "de-DE", "marketing_consent": True},
        headers=headers,
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["full_name"] == "Grace Hopper"
    assert body["locale"] == "de-DE"
    assert body["marketing_consent"] is True
    assert body["marketing_consent_at"]
    assert body["role"] == "customer"
    withdrawn = await client.patch("/api/v1/me", json={"marketing_consent": False}, headers=headers)
    assert withdrawn.json()["marketing_consent_at"] is None


async def test_addresses_are_private_to_their_owner(
    client: httpx.AsyncClient, container: Container
) -> None:
    alice, bob = await create_user(container), await create_user(container)
    a, b = auth_headers(container, alice), auth_headers(container, bob)
    created = await client.post("/api/v1/me/addresses", json=ADDRESS, headers=a)
    assert created.status_code == 201, created.text
    address = created.json()
    assert address["country"] == "GB"
    assert address["is_default"] is True  # the first address becomes the default
    path = f"/api/v1/me/addresses/{address['id']}"

    assert (await client.get("/api/v1/me/addresses", headers=b)).json() == {
        "items": [],
        "next_cursor": None,
    }
    stolen = await client.patch(path, json={"city": "Paris"}, headers=b)
    assert stolen.status_code == 404
    assert (await client.delete(path, headers=b)).status_code == 404
    missing = await client.patch(f"/api/v1/me/addresses/{uuid.uuid4()}", json={}, headers=a)
    assert missing.status_code == 404
    assert (await client.get("/api/v1/me/addresses", headers=a)).json()["items"][0][
        "city"
    ] == "London"

    assert (await client.patch(path, json={"user_id": str(bob.id)}, headers=a)).status_code == 422
    assert (await client.patch(path, json={"city": None}, headers=a)).status_code == 422
    assert (await client.patch(path, json={"country": "GBR"}, headers=a)).status_code == 422
    moved = await client.patch(path, json={"city": "Bath"}, headers=a)
    assert moved.status_code == 200
    assert moved.json()["city"] == "Bath"

    second = await client.post(
        "/api/v1/me/addresses", json={**ADDRESS, "is_default": True}, headers=a
    )
    listed = (await client.get("/api/v1/me/addresses", headers=a)).json()["items"]
    assert [x["is_default"] for x in listed] == [True, False]
    assert listed[0]["id"] == second.json()["id"]

    assert (await client.delete(path, headers=a)).status_code == 204
    assert len((await client.get("/api/v1/me/addresses", headers=a)).json()["items"]) == 1


async def test_address_validation_and_cap(client: httpx.AsyncClient, container: Container) -> None:
    user = await create_user(container)
    headers = auth_headers(container, user)
    for bad in ({**ADDRESS, "line1": ""}, {**ADDRESS, "country": "1"}, {"city": "x"}):
        assert (
            await client.post("/api/v1/me/addresses", json=bad, headers=headers)
        ).status_code == 422
    for _ in range(20):
        assert (
            await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)
        ).status_code == 201
    over = await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)
    assert over.status_code == 409
    assert over.json()["code"] == "too_many_addresses"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "DE", "postal_code": "ABCDE"}, "postal_code"),
        ({"country": "DE", "postal_code": "1234"}, "postal_code"),
        ({"country": "JP", "postal_code": "100-0001"}, "country"),
        ({"country": "US", "postal_code": "10001"}, "region"),  # a state is required
        ({"country": "US", "postal_code": "10001", "region": "XX"}, "region"),
    ],
)
async def test_the_address_book_refuses_what_checkout_would(
    client: httpx.AsyncClient, container: Container, change: dict[str, str], field: str
) -> None:
    """A saved address is used at checkout: one checkout would refuse is not saved."""
    headers = auth_headers(container, await create_user(container))
    created = await client.post("/api/v1/me/addresses", json=ADDRESS | change, headers=headers)
    assert created.status_code == 422, created.text
    assert created.json()["code"] == "invalid_address"
    assert [e["loc"] for e in created.json()["errors"]] == [["body", field]]
    assert (await client.get("/api/v1/me/addresses", headers=headers)).json()["items"] == []

    saved = (await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)).json()
    path = f"/api/v1/me/addresses/{saved['id']}"
    changed = await client.patch(path, json=change, headers=headers)  # the GB postcode stays
    assert changed.status_code == 422, changed.text
    assert (await client.get("/api/v1/me/addresses", headers=headers)).json()["items"] == [saved]


async def test_the_address_book_answers_every_error_of_a_request_at_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    """A bad name and a bad postal code (or a country not shipped to): one 422 naming both,
    each at its field, instead of one round for the name and another for the postal code."""
    headers = auth_headers(container, await create_user(container))

    def located(response: httpx.Response) -> dict[tuple[str, ...], str]:
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "validation_error"
        return {tuple(e["loc"]): e["type"] for e in response.json()["errors"]}

    bad = {**ADDRESS, "full_name": "Ada\nLovelace", "country": "DE", "postal_code": "1234"}
    created = await client.post("/api/v1/me/addresses", json=bad, headers=headers)
    assert located(created) == {
        ("body", "full_name"): "one_line",
        ("body", "postal_code"): "postal_code_format",
    }
    not_shipped_to = {**ADDRESS, "city": "", "country": "JP", "postal_code": "100-0001"}
    created = await client.post("/api/v1/me/addresses", json=not_shipped_to, headers=headers)
    assert located(created) == {
        ("body", "city"): "string_too_short",
        ("body", "country"): "country_not_allowed",
    }
    assert (await client.get("/api/v1/me/addresses", headers=headers)).json()["items"] == []

    saved = (await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)).json()
    path = f"/api/v1/me/addresses/{saved['id']}"
    changed = await client.patch(
        path, json={"full_name": "", "country": "DE", "postal_code": "ABCDE"}, headers=headers
    )
    assert located(changed) == {
        ("body", "full_name"): "string_too_short",
        ("body", "postal_code"): "postal_code_format",
    }
    # an update names only what changes: a region it leaves out is the stored one's to judge
    moved = await client.patch(
        path, json={"line1": "", "country": "US", "postal_code": "10001"}, headers=headers
    )
    assert located(moved) == {("body", "line1"): "string_too_short"}
    assert (await client.get("/api/v1/me/addresses", headers=headers)).json()["items"] == [saved]


async def test_a_valid_address_is_saved_as_checkout_writes_it(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = auth_headers(container, await create_user(container))
    created = await client.post(
        "/api/v1/me/addresses", json={**ADDRESS, "postal_code": "sw1y   4jh"}, headers=headers
    )
    assert created.status_code == 201, created.text
    assert (created.json()["country"], created.json()["postal_code"]) == ("GB", "SW1Y 4JH")
    moved = await client.patch(
        f"/api/v1/me/addresses/{created.json()['id']}",
        json={"country": "DE", "postal_code": "10115", "city": "Berlin"},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["country"], moved.json()["postal_code"]) == ("DE", "10115")
    in_ca = await client.patch(
        f"/api/v1/me/addresses/{created.json()['id']}",
        json={"country": "us", "postal_code": "94105", "region": " ca ", "city": "SF"},
        headers=headers,
    )
    assert in_ca.status_code == 200, in_ca.text
    assert (in_ca.json()["country"], in_ca.json()["region"]) == ("US", "CA")
    typed = await client.post(
        "/api/v1/me/addresses",
        json={**ADDRESS, "country": "US", "postal_code": "10001", "region": "ny"},
        headers=headers,
    )
    assert typed.status_code == 201, typed.text
    assert typed.json()["region"] == "NY"
    blank = await client.post(  # a form sends its empty State / province field as ""
        "/api/v1/me/addresses", json={**ADDRESS, "region": "  "}, headers=headers
    )
    assert blank.status_code == 201, blank.text
    assert blank.json()["region"] == ""
    cleared = await client.patch(
        f"/api/v1/me/addresses/{typed.json()['id']}",
        json={"country": "DE", "postal_code": "10115", "region": ""},
        headers=headers,
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["region"] == ""


async def test_wishlist_is_validated_deduplicated_and_capped(
    client: httpx.AsyncClient, container: Container
) -> None:
    await create_product(container, title="Blue Mug", skus=["SKU-42"])
    user = await create_user(container)
    headers = auth_headers(container, user)
    assert (await client.get("/api/v1/me/wishlist", headers=headers)).json() == {"items": []}
    put = await client.put(
        "/api/v1/me/wishlist", json={"items": ["blue-mug", "SKU-42", "blue-mug"]}, headers=headers
    )
    assert put.status_code == 200
    assert put.json() == {"items": ["blue-mug", "SKU-42"]}
    for bad in (["<script>"], ["x" * 101], ["a"] * 201, "blue-mug"):
        response = await client.put("/api/v1/me/wishlist", json={"items": bad}, headers=headers)
        assert response.status_code == 422
    assert (await client.get("/api/v1/me/wishlist", headers=headers)).json()["items"] == [
        "blue-mug",
        "SKU-42",
    ]


async def test_wishlist_refuses_what_is_not_a_published_product(
    client: httpx.AsyncClient, container: Container
) -> None:
    """An added item must be a published product's slug or SKU (exact, like the cart's SKUs):
    422 `unknown_product` naming them, and nothing changes. An item already held stays when its
    product is unpublished, so the rest of the list can still be edited."""
    mug = await create_product(container, title="Blue Mug", skus=["MUG-1"])
    await create_product(container, title="Draft Lamp", skus=["LAMP-1"], status="draft")
    user = await create_user(container)
    headers = auth_headers(container, user)
    url = "/api/v1/me/wishlist"
    assert (await client.put(url, json={"items": ["blue-mug"]}, headers=headers)).status_code == 200
    for unknown in (["NO-SUCH-SKU"], ["no-such-product"], ["LAMP-1", "draft-lamp"], ["mug-1"]):
        response = await client.put(url, json={"items": ["blue-mug", *unknown]}, headers=headers)
        assert response.status_code == 422, (unknown, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "unknown_product"
        assert response.json()["items"] == unknown
        assert (await client.get(url, headers=headers)).json()["items"] == ["blue-mug"]

    async with container.db.session() as session:
        await session.execute(update(Product).where(Product.id == mug.id).values(status="archived"))
    kept = await client.put(url, json={"items": ["blue-mug"]}, headers=headers)
    assert kept.status_code == 200, kept.text  # held before: kept
    assert (await client.put(url, json={"items": []}, headers=headers)).status_code == 200
    again = await client.put(url, json={"items": ["blue-mug"]}, headers=headers)
    assert again.status_code == 422  # added anew: refused
    assert (await client.get(url, headers=headers)).json()["items"] == []


@pytest.fixture
def orders_hooks() -> Iterator[list[uuid.UUID]]:
    """A module's exporter and anonymiser, registered under a test-only name (real ones stay)."""
    anonymised: list[uuid.UUID] = []

    async def export_orders(session: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
        return [{"order_number": "M-1001", "user": str(user_id)}]

    async def anonymise_orders(session: AsyncSession, user_id: uuid.UUID) -> None:
        anonymised.append(user_id)

    hooks.register_exporter("test_module", export_orders)
    hooks.register_anonymiser("test_module", anonymise_orders)
    try:
        yield anonymised
    finally:
        hooks.unregister_exporter("test_module")
        hooks.unregister_anonymiser("test_module")


async def test_export_contains_profile_preferences_addresses_and_module_sections(
    client: httpx.AsyncClient, container: Container, orders_hooks: list[uuid.UUID]
) -> None:
    user = await create_user(container, full_name="Ada")
    headers = auth_headers(container, user)
    await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)
    await create_product(container, title="Blue Mug")
    wished = await client.put("/api/v1/me/wishlist", json={"items": ["blue-mug"]}, headers=headers)
    assert wished.status_code == 200, wished.text
    response = await client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["profile"]["email"] == user.email
    assert data["profile"]["full_name"] == "Ada"
    assert data["preferences"] == {
        "locale": "en",
        "marketing_consent": False,
        "marketing_consent_at": None,
    }
    assert [a["city"] for a in data["addresses"]] == ["London"]
    assert data["wishlist"] == ["blue-mug"]
    assert data["test_module"] == [{"order_number": "M-1001", "user": str(user.id)}]
    assert "password" not in response.text
    with pytest.raises(ValueError, match="reserved"):
        hooks.register_exporter("profile", orders_hooks_exporter_stub)


async def orders_hooks_exporter_stub(session: AsyncSession, user_id: uuid.UUID) -> None:
    return None


async def test_closing_the_account_anonymises_and_ends_access(
    client: httpx.AsyncClient, container: Container, orders_hooks: list[uuid.UUID]
) -> None:
    user = await create_user(container, full_name="Ada")
    other = await create_user(container)
    tokens = (await login(client, user.email)).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)
    await client.post("/api/v1/me/addresses", json=ADDRESS, headers=auth_headers(container, other))

    closed = await client.delete("/api/v1/me", headers=headers)
    assert closed.status_code == 204, closed.text
    assert orders_hooks == [user.id]

    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (await login(client, user.email)).status_code == 401
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    async with container.db.session(write=False) as session:
        row = await session.get(User, user.id)
        addresses = await session.scalar(
            select(func.count()).select_from(Address).where(Address.user_id == user.id)
        )
        others = await session.scalar(
            select(func.count()).select_from(Address).where(Address.user_id == other.id)
        )
        sessions = await session.scalar(
            select(func.count()).select_from(RefreshToken).where(RefreshToken.user_id == user.id)
        )
    assert row is not None
    assert row.email == f"deleted-{user.id}@invalid"
    assert row.full_name == ""
    assert row.deleted_at is not None
    assert not row.is_active
    assert not row.password_hash.startswith("$argon2")
    assert (addresses, others, sessions) == (0, 1, 0)
    # The email is free again for a new account.
    again = await client.post(
        "/api/v1/auth/register", json={"email": user.email, "password": "long enough"}
    )
    assert again.status_code == 201


@pytest.mark.parametrize("role", ["staff", "admin"])
async def test_staff_and_admins_cannot_close_their_own_account(
    client: httpx.AsyncClient, container: Container, role: str
) -> None:
    user = await create_user(container, role=role)
    refused = await client.delete("/api/v1/me", headers=auth_headers(container, user))
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "staff_account"
    assert (await login(client, user.email)).status_code == 200
    async with container.db.session(write=False) as session:
        row = await session.get(User, user.id)
    assert row is not None
    assert (row.deleted_at, row.is_active, row.role) == (None, True, role)
