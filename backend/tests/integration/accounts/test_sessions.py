"""Registration, sign-in, refresh rotation with reuse detection, logout, password change."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from mercato.accounts import passwords
from mercato.accounts.models import RefreshToken, SecurityEvent, User
from mercato.bootstrap import Container
from mercato.platform.clock import utcnow
from tests.factories import DEFAULT_PASSWORD, create_user
from tests.integration.accounts.conftest import bearer, login

PROBLEM = "application/problem+json"


async def test_register_then_sign_in_and_read_me(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/api/v1/auth/register",
        json={
            "email": " New.Shopper@Example.COM ",
            "password": "s3cret-passw0rd",
            "full_name": "Ann",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["email"] == "new.shopper@example.com"
    assert body["role"] == "customer"
    assert body["email_verified"] is False
    assert "password" not in created.text
    assert "password_hash" not in body

    duplicate = await client.post(
        "/api/v1/auth/register",
        json={"email": "NEW.shopper@example.com", "password": "another-password"},
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "email_taken"

    signed_in = await login(client, "new.shopper@example.com", "s3cret-passw0rd")
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert tokens["token_type"] == "bearer"
    assert 0 < tokens["expires_in"] <= 900
    assert tokens["refresh_token"]
    assert signed_in.headers["cache-control"] == "no-store"

    me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["full_name"] == "Ann"


async def test_register_rejects_bad_input(client: httpx.AsyncClient) -> None:
    cases = [
        {"email": "not-an-email", "password": "long enough"},
        {"email": "a" * 65 + "@example.com", "password": "long enough"},  # RFC 5321: 64 at most
        {"email": "a@example.com", "password": "short"},
        {"email": "a@example.com", "password": "x" * 129},
        {"email": "a@example.com", "password": "long enough", "role": "admin"},
        {"email": "a@example.com", "password": "long enough", "locale": "../../etc"},
    ]
    for payload in cases:
        response = await client.post("/api/v1/auth/register", json=payload)
        assert response.status_code == 422, payload
        assert response.headers["content-type"] == PROBLEM
    assert "x" * 129 not in response.text  # inputs are never echoed back


async def test_concurrent_registrations_of_one_email_create_one_account(
    client: httpx.AsyncClient, container: Container
) -> None:
    payload = {"email": "race@example.com", "password": "long enough pw"}
    responses = await asyncio.gather(
        *[client.post("/api/v1/auth/register", json=payload) for _ in range(4)]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409], [r.text for r in responses]
    async with container.db.session(write=False) as session:
        count = await session.scalar(select(func.count()).select_from(User))
    assert count == 1


async def test_unknown_email_and_wrong_password_look_identical(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    unknown = await login(client, "nobody@example.com", "whatever-password")
    wrong = await login(client, user.email, "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.json()["code"] == "invalid_credentials"
    assert unknown.headers["www-authenticate"] == wrong.headers["www-authenticate"] == "Bearer"


async def test_overlong_password_is_422_at_sign_in(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    response = await login(client, user.email, "p" * 129)
    assert response.status_code == 422


async def test_weaker_hash_is_upgraded_on_sign_in(
    client: httpx.AsyncClient, container: Container
) -> None:
    from argon2 import PasswordHasher

    user = await create_user(container)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(DEFAULT_PASSWORD)
    async with container.db.session() as session:
        await session.execute(update(User).where(User.id == user.id).values(password_hash=weak))
    assert passwords.needs_rehash(weak)
    assert (await login(client, user.email)).status_code == 200
    async with container.db.session(write=False) as session:
        stored = await session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored != weak
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert not passwords.needs_rehash(stored)
    assert (await login(client, user.email)).status_code == 200


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    first = (await login(client, user.email)).json()
    rotated = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (
        await client.get("/api/v1/me", headers=bearer(second["access_token"]))
    ).status_code == 200

    # The old token is presented again: stolen. The whole family dies, including `second`.
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401
    assert replay.json()["code"] == "invalid_refresh_token"
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 401

    async with container.db.session(write=False) as session:
        events = (
            (
                await session.execute(
                    select(SecurityEvent).where(SecurityEvent.type == "refresh_token_reuse")
                )
            )
            .scalars()
            .all()
        )
        live = await session.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        )
    assert len(events) == 1
    assert events[0].user_id == user.id
    assert events[0].ip
    assert live == 0
    # Other sessions (another login) are untouched.
    assert (await login(client, user.email)).status_code == 200


async def test_concurrent_refreshes_with_one_token_yield_at_most_one_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    tokens = (await login(client, user.email)).json()
    responses = await asyncio.gather(
        *[
            client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            for _ in range(4)
        ]
    )
    assert sum(r.status_code == 200 for r in responses) <= 1
    assert all(r.status_code in (200, 401) for r in responses)
    async with container.db.session(write=False) as session:
        live = await session.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.revoked_at.is_(None), RefreshToken.used_at.is_(None))
        )
    assert live == 0  # the race itself is a reuse: the family is revoked


async def test_refresh_rejects_garbage_and_access_tokens(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    tokens = (await login(client, user.email)).json()
    for value in ("nope", tokens["access_token"]):
        response = await client.post("/api/v1/auth/refresh", json={"refresh_token": value})
        assert response.status_code == 401
    assert (await client.post("/api/v1/auth/refresh", json={})).status_code == 422


async def test_absolute_expiry_is_not_extended_by_rotation(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    tokens = (await login(client, user.email)).json()
    async with container.db.session(write=False) as session:
        original = await session.scalar(select(RefreshToken.expires_at))
    rotated = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    async with container.db.session(write=False) as session:
        expiries = set((await session.execute(select(RefreshToken.expires_at))).scalars())
    assert expiries == {original}
    assert original is not None
    assert timedelta(days=29) < original - utcnow() <= timedelta(days=30)

    async with container.db.session() as session:  # the family reaches its absolute end
        await session.execute(
            update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert expired.status_code == 401


async def test_logout_revokes_the_session_server_side(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    tokens = (await login(client, user.email)).json()
    other = (await login(client, user.email)).json()
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401
    still = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert still.status_code == 200
    unknown = await client.post("/api/v1/auth/logout", json={"refresh_token": "unknown"})
    assert unknown.status_code == 204


async def test_password_change_keeps_this_session_and_revokes_others(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    current = (await login(client, user.email)).json()
    other = (await login(client, user.email)).json()

    wrong = await client.post(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": "brand new password"},
        headers=bearer(current["access_token"]),
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "wrong_password"

    changed = await client.post(
        "/api/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "brand new password"},
        headers=bearer(current["access_token"]),
    )
    assert changed.status_code == 204, changed.text
    revoked = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert revoked.status_code == 401
    kept = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": current["refresh_token"]}
    )
    assert kept.status_code == 200
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, user.email, "brand new password")).status_code == 200


async def test_deactivated_user_is_locked_out_at_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    tokens = (await login(client, user.email)).json()
    async with container.db.session() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    assert (
        await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    ).status_code == 401
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    disabled = await login(client, user.email)
    assert disabled.status_code == 403
    assert disabled.json()["code"] == "account_disabled"
    assert (await login(client, user.email, "wrong password")).status_code == 401


@pytest.mark.parametrize(
    "weak", ["        ", "password", "PASSWORD1", "12345678", "87654321", "abcdefgh", "aaaaaaaaaa"]
)
async def test_easily_guessed_passwords_are_refused_everywhere(
    client: httpx.AsyncClient, container: Container, weak: str
) -> None:
    email = f"weak-{uuid.uuid4().hex[:8]}@example.com"
    registered = await client.post("/api/v1/auth/register", json={"email": email, "password": weak})
    assert registered.status_code == 422, registered.text
    assert registered.json()["code"] == "weak_password"
    assert (await login(client, email, weak)).status_code == 401  # no account was made

    user = await create_user(container)
    tokens = (await login(client, user.email)).json()
    changed = await client.post(
        "/api/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": weak},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 422, changed.text
    assert changed.json()["code"] == "weak_password"
    assert (await login(client, user.email)).status_code == 200  # the password is unchanged


async def test_a_new_password_must_differ_from_the_current_one(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    tokens = (await login(client, user.email)).json()
    same = await client.post(
        "/api/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": DEFAULT_PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    assert same.status_code == 422, same.text
    assert same.json()["code"] == "same_password"
