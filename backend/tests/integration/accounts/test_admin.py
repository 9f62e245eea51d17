"""Admin customer management: staff can list, only admins change roles and activation."""

from __future__ import annotations

import uuid

import httpx

from mercato.bootstrap import Container
from tests.factories import auth_headers, create_user
from tests.integration.accounts.conftest import login


async def test_customer_list_is_staff_only_paginated_and_filterable(
    client: httpx.AsyncClient, container: Container
) -> None:
    staff = await create_user(container, role="staff", email="staff@shop.example")
    customer = await create_user(container)
    for i in range(5):
        await create_user(container, email=f"buyer{i}@example.com")
    assert (await client.get("/api/v1/admin/customers")).status_code == 401
    forbidden = await client.get(
        "/api/v1/admin/customers", headers=auth_headers(container, customer)
    )
    assert forbidden.status_code == 403

    headers = auth_headers(container, staff)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/admin/customers", params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 3
        seen += [item["email"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7

    filtered = await client.get(
        "/api/v1/admin/customers", params={"email": "BUYER"}, headers=headers
    )
    assert sorted(i["email"] for i in filtered.json()["items"]) == [
        f"buyer{i}@example.com" for i in range(5)
    ]
    wildcard = await client.get("/api/v1/admin/customers", params={"email": "%"}, headers=headers)
    assert wildcard.json()["items"] == []

    for params in (
        {"limit": "101"},
        {"limit": "0"},
        {"cursor": "!!!not-a-cursor"},
        {"cursor": "W10"},
    ):
        bad = await client.get("/api/v1/admin/customers", params=params, headers=headers)
        assert bad.status_code == 422, params


async def test_only_admins_change_roles_and_deactivate(
    client: httpx.AsyncClient, container: Container
) -> None:
    admin = await create_user(container, role="admin")
    staff = await create_user(container, role="staff")
    customer = await create_user(container)
    path = f"/api/v1/admin/customers/{customer.id}"
    denied = await client.patch(
        path, json={"role": "admin"}, headers=auth_headers(container, staff)
    )
    assert denied.status_code == 403

    headers = auth_headers(container, admin)
    assert (await client.patch(path, json={"role": "root"}, headers=headers)).status_code == 422
    assert (await client.patch(path, json={"email": "x@y.z"}, headers=headers)).status_code == 422
    missing = await client.patch(
        f"/api/v1/admin/customers/{uuid.uuid4()}", json={"role": "staff"}, headers=headers
    )
    assert missing.status_code == 404

    promoted = await client.patch(path, json={"role": "staff"}, headers=headers)
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "staff"
    # The database role counts, not the role inside an older token.
    old_token = auth_headers(container, customer)
    listed = await client.get("/api/v1/admin/customers", headers=old_token)
    assert listed.status_code == 200

    tokens = (await login(client, customer.email)).json()
    off = await client.patch(path, json={"is_active": False}, headers=headers)
    assert off.status_code == 200
    assert off.json()["is_active"] is False
    assert (await client.get("/api/v1/me", headers=old_token)).status_code == 401
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401

    self_path = f"/api/v1/admin/customers/{admin.id}"
    demote_self = await client.patch(self_path, json={"role": "customer"}, headers=headers)
    assert demote_self.status_code == 409
