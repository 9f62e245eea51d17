"""No input reaches a 5xx: NUL bytes (PostgreSQL refuses them), wrong types, oversized values."""

from __future__ import annotations

import uuid

import httpx

from mercato.bootstrap import Container
from tests.factories import auth_headers, create_user

ADDRESS = {"full_name": "A", "line1": "x", "postal_code": "10115", "city": "c", "country": "de"}


async def test_hostile_requests_get_4xx_and_change_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container, full_name="Original")
    staff = await create_user(container, role="staff")
    me, st = auth_headers(container, user), auth_headers(container, staff)
    nul = "a\x00b"
    requests = [
        (
            "POST",
            "/api/v1/auth/token",
            {"data": {"username": f"{nul}@x.com", "password": "whatever1"}},
        ),
        ("POST", "/api/v1/auth/token", {"data": {"username": "x" * 5000, "password": "whatever1"}}),
        ("POST", "/api/v1/auth/token", {"json": {"username": user.email}}),
        (
            "POST",
            "/api/v1/auth/register",
            {"json": {"email": "ok@example.com", "password": "long enough", "full_name": nul}},
        ),
        ("POST", "/api/v1/auth/register", {"json": ["not", "an", "object"]}),
        (
            "POST",
            "/api/v1/auth/register",
            {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        ),
        ("POST", "/api/v1/auth/password-reset", {"json": {"email": nul}}),
        (
            "POST",
            "/api/v1/auth/password-reset/confirm",
            {"json": {"token": nul, "new_password": "long enough"}},
        ),
        ("POST", "/api/v1/auth/refresh", {"json": {"refresh_token": nul}}),
        ("POST", "/api/v1/auth/refresh", {"json": {"refresh_token": 12}}),
        ("POST", "/api/v1/auth/verify-email", {"json": {"token": nul}}),
        ("PATCH", "/api/v1/me", {"json": {"full_name": nul}, "headers": me}),
        ("PATCH", "/api/v1/me", {"json": {"full_name": "x" * 201}, "headers": me}),
        ("PATCH", "/api/v1/me", {"json": {"marketing_consent": "maybe"}, "headers": me}),
        ("POST", "/api/v1/me/addresses", {"json": {**ADDRESS, "city": nul}, "headers": me}),
        ("PATCH", "/api/v1/me/addresses/not-a-uuid", {"json": {}, "headers": me}),
        ("DELETE", f"/api/v1/me/addresses/{uuid.uuid4()}", {"headers": me}),
        ("PUT", "/api/v1/me/wishlist", {"json": {"items": [nul]}, "headers": me}),
        ("PUT", "/api/v1/me/wishlist", {"json": {"items": None}, "headers": me}),
        ("GET", "/api/v1/admin/customers", {"params": {"email": nul}, "headers": st}),
        ("GET", "/api/v1/admin/customers", {"params": {"cursor": "eyJhIjogMX0"}, "headers": st}),
        ("PATCH", f"/api/v1/admin/customers/{user.id}", {"json": {"role": "admin"}, "headers": st}),
        ("GET", "/api/v1/me", {"headers": {"Authorization": "Bearer " + "A" * 5000}}),
        ("GET", "/api/v1/me", {"headers": {"Authorization": "Bearer"}}),
    ]
    for method, path, kwargs in requests:
        response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
        assert 400 <= response.status_code < 500, (
            method,
            path,
            response.status_code,
            response.text,
        )
        assert response.headers["content-type"] == "application/problem+json"
    profile = (await client.get("/api/v1/me", headers=me)).json()
    assert profile["full_name"] == "Original"
    assert profile["role"] == "customer"
    assert (await client.get("/api/v1/me/addresses", headers=me)).json()["items"] == []


async def test_names_and_address_lines_are_one_line(
    client: httpx.AsyncClient, container: Container
) -> None:
    """A line break in a name would start a new line in every email and label that shows it
    (`Ada\\r\\nBcc: …`): names and address lines are one line, each refusal at its field."""
    user = await create_user(container, full_name="Original")
    me = auth_headers(container, user)
    broken = ["Ada\r\nBcc: x@example.com", "Ada\nLovelace", "Ada\tL", "Ada\u2028L", "Ada\x1b[2J"]
    for value in broken:
        for method, path, body, field in [
            ("PATCH", "/api/v1/me", {"full_name": value}, "full_name"),
            ("POST", "/api/v1/me/addresses", {**ADDRESS, "line1": value}, "line1"),
            ("POST", "/api/v1/me/addresses", {**ADDRESS, "full_name": value}, "full_name"),
            (
                "POST",
                "/api/v1/auth/register",
                {"email": "nl@example.com", "password": "a long passphrase", "full_name": value},
                "full_name",
            ),
        ]:
            response = await client.request(method, path, json=body, headers=me)
            assert response.status_code == 422, (path, value, response.text)
            (error,) = response.json()["errors"]
            assert error["loc"][-1] == field
            assert error["type"] == "one_line"
    # a name pasted with a trailing newline is trimmed like other surrounding whitespace
    trimmed = await client.patch("/api/v1/me", json={"full_name": " Ada Lovelace\n"}, headers=me)
    assert trimmed.status_code == 200, trimmed.text
    assert trimmed.json()["full_name"] == "Ada Lovelace"
    assert (await client.get("/api/v1/me/addresses", headers=me)).json()["items"] == []
