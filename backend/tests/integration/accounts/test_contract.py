"""The public contract other modules rely on: factories, CurrentUser/OptionalUser, roles."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from mercato.accounts.dependencies import AdminUser, CurrentUser, OptionalUser, StaffUser
from mercato.bootstrap import Container
from tests.factories import auth_headers, create_user

probe = APIRouter()


@probe.get("/probe/me")
async def probe_me(user: CurrentUser) -> dict[str, str]:
    return {"email": user.email, "role": user.role}


@probe.get("/probe/optional")
async def probe_optional(user: OptionalUser) -> dict[str, str | None]:
    return {"email": user.email if user else None}


@probe.get("/probe/staff")
async def probe_staff(user: StaffUser) -> dict[str, str]:
    return {"role": user.role}


@probe.get("/probe/admin")
async def probe_admin(user: AdminUser) -> dict[str, str]:
    return {"role": user.role}


async def test_dependencies_and_roles(
    app: FastAPI, client: httpx.AsyncClient, container: Container
) -> None:
    app.include_router(probe)
    customer = await create_user(container, email="Alice@Example.com")
    staff = await create_user(container, role="staff")
    admin = await create_user(container, role="admin")
    assert customer.email == "alice@example.com"

    me = await client.get("/probe/me", headers=auth_headers(container, customer))
    assert me.status_code == 200, me.text
    assert me.json() == {"email": "alice@example.com", "role": "customer"}

    anonymous = await client.get("/probe/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.headers["www-authenticate"] == "Bearer"

    assert (await client.get("/probe/optional")).json() == {"email": None}
    opt = await client.get("/probe/optional", headers=auth_headers(container, customer))
    assert opt.json() == {"email": "alice@example.com"}
    bad = await client.get("/probe/optional", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    basic = await client.get("/probe/optional", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401

    assert (
        await client.get("/probe/staff", headers=auth_headers(container, customer))
    ).status_code == 403
    assert (
        await client.get("/probe/staff", headers=auth_headers(container, staff))
    ).status_code == 200
    assert (
        await client.get("/probe/staff", headers=auth_headers(container, admin))
    ).status_code == 200
    assert (
        await client.get("/probe/admin", headers=auth_headers(container, staff))
    ).status_code == 403
    assert (
        await client.get("/probe/admin", headers=auth_headers(container, admin))
    ).status_code == 200


async def test_openapi_offers_the_oauth2_password_flow(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    flow = schemes["OAuth2PasswordBearer"]["flows"]["password"]
    assert flow["tokenUrl"] == "/api/v1/auth/token"
    me = schema["paths"]["/api/v1/me"]["get"]
    assert {"OAuth2PasswordBearer": []} in me["security"]
