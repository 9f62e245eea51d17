"""Email verification and password reset tokens; login throttling per account and per IP."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from mercato.accounts.models import AccountToken, SecurityEvent, User
from mercato.accounts.service import purge_expired_tokens
from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from mercato.platform.clock import utcnow
from mercato.platform.outbox import OutboxEvent
from tests.conftest import make_settings
from tests.factories import create_user
from tests.integration.accounts.conftest import bearer, login, outbox_tokens

NEW_PASSWORD = "a brand new passphrase"


async def test_registration_emits_verification_and_the_token_is_single_use(
    client: httpx.AsyncClient, container: Container
) -> None:
    email = "verify-me@example.com"
    created = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": "long enough", "full_name": "V"}
    )
    assert created.status_code == 201
    async with container.db.session(write=False) as session:
        event = (
            await session.execute(
                select(OutboxEvent).where(OutboxEvent.event_type == "EmailVerificationRequested")
            )
        ).scalar_one()
        stored = (await session.execute(select(AccountToken))).scalar_one()
    assert set(event.payload) == {"user_id", "email", "full_name", "token", "expires_in_minutes"}
    assert event.payload["email"] == email
    assert event.payload["full_name"] == "V"
    (token,) = await outbox_tokens(container, "EmailVerificationRequested", email)
    assert token not in str(event.payload)  # encrypted in the outbox
    assert stored.token_hash != token  # hashed at rest

    wrong = await client.post("/api/v1/auth/verify-email", json={"token": "guess"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_token"

    ok = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert ok.status_code == 200, ok.text
    assert ok.json()["email_verified"] is True
    again = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 400


async def test_reset_token_cannot_verify_email_and_vice_versa(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container, verified=False)
    assert (
        await client.post("/api/v1/auth/password-reset", json={"email": user.email})
    ).status_code == 202
    (reset,) = await outbox_tokens(container, "PasswordResetRequested", user.email)
    assert (
        await client.post("/api/v1/auth/verify-email", json={"token": reset})
    ).status_code == 400
    confirm = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": reset, "new_password": NEW_PASSWORD}
    )
    assert confirm.status_code == 204


async def test_resend_verification_for_the_signed_in_user(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container, verified=False)
    tokens = (await login(client, user.email)).json()
    assert (await client.post("/api/v1/auth/verify-email/resend")).status_code == 401
    first = await client.post(
        "/api/v1/auth/verify-email/resend", headers=bearer(tokens["access_token"])
    )
    second = await client.post(
        "/api/v1/auth/verify-email/resend", headers=bearer(tokens["access_token"])
    )
    assert first.status_code == second.status_code == 202
    older, newest = await outbox_tokens(container, "EmailVerificationRequested", user.email)
    # Only the newest link works.
    assert (
        await client.post("/api/v1/auth/verify-email", json={"token": older})
    ).status_code == 400
    assert (
        await client.post("/api/v1/auth/verify-email", json={"token": newest})
    ).status_code == 200
    done = await client.post(
        "/api/v1/auth/verify-email/resend", headers=bearer(tokens["access_token"])
    )
    assert done.status_code == 409


async def test_password_reset_flow_revokes_every_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    session_tokens = (await login(client, user.email)).json()

    unknown = await client.post("/api/v1/auth/password-reset", json={"email": "ghost@example.com"})
    known = await client.post("/api/v1/auth/password-reset", json={"email": user.email.upper()})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert await outbox_tokens(container, "PasswordResetRequested", "ghost@example.com") == []
    (token,) = await outbox_tokens(container, "PasswordResetRequested", user.email)

    short = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "short"}
    )
    assert short.status_code == 422
    ok = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert ok.status_code == 204, ok.text
    replay = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "another one!"}
    )
    assert replay.status_code == 400

    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session_tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200
    async with container.db.session(write=False) as session:
        types = set((await session.execute(select(SecurityEvent.type))).scalars())
    assert "password_reset" in types


async def test_expired_reset_token_is_refused_and_purged(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    await client.post("/api/v1/auth/password-reset", json={"email": user.email})
    (token,) = await outbox_tokens(container, "PasswordResetRequested", user.email)
    async with container.db.session() as session:
        await session.execute(
            update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert expired.status_code == 400
    assert (await login(client, user.email)).status_code == 200  # password unchanged
    assert await purge_expired_tokens(container) == 1
    async with container.db.session(write=False) as session:
        assert (await session.execute(select(AccountToken))).first() is None


async def test_concurrent_confirmations_of_one_reset_token_succeed_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    await client.post("/api/v1/auth/password-reset", json={"email": user.email})
    (token,) = await outbox_tokens(container, "PasswordResetRequested", user.email)
    responses = await asyncio.gather(
        *[
            client.post(
                "/api/v1/auth/password-reset/confirm",
                json={"token": token, "new_password": f"new password {i}"},
            )
            for i in range(4)
        ]
    )
    assert sorted(r.status_code for r in responses) == [204, 400, 400, 400]


async def test_eleventh_attempt_is_429_even_with_the_right_password_and_reset_unlocks(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    for _ in range(10):
        assert (await login(client, user.email, "wrong password")).status_code == 401
    blocked = await login(client, user.email)  # right password, but the account is under attack
    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    assert 1 <= int(blocked.headers["retry-after"]) <= 15 * 60 + 1
    assert (await login(client, user.email.upper())).status_code == 429  # same account

    other = await create_user(container)
    assert (await login(client, other.email)).status_code == 200  # only that account

    await client.post("/api/v1/auth/password-reset", json={"email": user.email})
    (token,) = await outbox_tokens(container, "PasswordResetRequested", user.email)
    confirm = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert confirm.status_code == 204
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200


async def test_concurrent_guesses_cannot_exceed_the_account_limit(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    responses = await asyncio.gather(
        *[login(client, user.email, f"guess number {i}") for i in range(25)]
    )
    statuses = [r.status_code for r in responses]
    assert statuses.count(401) == 10
    assert statuses.count(429) == 15


async def test_per_ip_limit_spans_accounts(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path, auth={"login_max_failures_per_ip": 3})
    container = build_container(settings)
    try:
        app = create_app(settings, container)
        user = await create_user(container)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as attacker:
            for i in range(3):
                assert (
                    await login(attacker, f"victim{i}@example.com", "wrong guess")
                ).status_code == 401
            blocked = await login(attacker, user.email)
            assert blocked.status_code == 429
            assert "retry-after" in blocked.headers
        other_ip = httpx.ASGITransport(app=app, client=("198.51.100.9", 1234))
        async with httpx.AsyncClient(transport=other_ip, base_url="http://t") as shopper:
            assert (await login(shopper, user.email)).status_code == 200
    finally:
        await container.aclose()


async def test_two_app_instances_share_the_counter_through_redis(
    db_url: str, tmp_path: Path, redis_url: str
) -> None:
    namespace = f"test-{uuid.uuid4().hex}"
    containers = [
        build_container(
            make_settings(db_url, tmp_path, redis_url=redis_url, cache_namespace=namespace)
        )
        for _ in range(2)
    ]
    try:
        user = await create_user(containers[0])
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(c.settings, c)), base_url="http://t"
            )
            for c in containers
        ]
        try:
            for i in range(10):
                response = await login(clients[i % 2], user.email, "wrong password")
                assert response.status_code == 401
            assert (await login(clients[0], user.email)).status_code == 429
            assert (await login(clients[1], user.email)).status_code == 429
        finally:
            for client in clients:
                await client.aclose()
    finally:
        for c in containers:
            await c.aclose()


async def test_password_reset_requests_are_throttled(
    client: httpx.AsyncClient, container: Container
) -> None:
    statuses = [
        (
            await client.post("/api/v1/auth/password-reset", json={"email": "x@example.com"})
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [202] * 5 + [429]


async def test_closed_and_unknown_accounts_get_no_reset_email(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    async with container.db.session() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    assert (
        await client.post("/api/v1/auth/password-reset", json={"email": user.email})
    ).status_code == 202
    assert await outbox_tokens(container, "PasswordResetRequested", user.email) == []


async def test_failures_from_other_addresses_do_not_lock_the_owner_out(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path, auth={"login_max_failures_per_account_all_ips": 25})
    container = build_container(settings)
    try:
        app = create_app(settings, container)
        user = await create_user(container)

        def client_at(ip: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(ip, 1234))
            return httpx.AsyncClient(transport=transport, base_url="http://t")

        for n in range(12):  # ten failures from each of twelve addresses would lock; one each
            async with client_at(f"203.0.113.{n + 1}") as attacker:
                assert (await login(attacker, user.email, "wrong guess")).status_code == 401
        async with client_at("198.51.100.9") as owner:
            assert (await login(owner, user.email)).status_code == 200

        for n in range(25):  # a guesser spread over many addresses is held for the account
            async with client_at(f"192.0.2.{n + 1}") as attacker:
                assert (await login(attacker, user.email, "wrong guess")).status_code == 401
        async with client_at("198.51.100.10") as someone:
            blocked = await login(someone, user.email)
        assert blocked.status_code == 429, blocked.text
    finally:
        await container.aclose()


async def test_the_reset_event_carries_how_long_its_link_works(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    response = await client.post("/api/v1/auth/password-reset", json={"email": user.email})
    assert response.status_code == 202
    async with container.db.session(write=False) as session:
        (payload,) = (
            await session.execute(
                select(OutboxEvent.payload).where(
                    OutboxEvent.event_type == "PasswordResetRequested"
                )
            )
        ).scalars()
    assert payload["expires_in_minutes"] == container.settings.auth.password_reset_ttl_minutes


async def test_registrations_per_address_follow_the_setting(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path, auth={"registrations_per_ip_per_hour": 2})
    container = build_container(settings)

    def register(client: httpx.AsyncClient, name: str) -> Any:
        body = {"email": f"{name}-{uuid.uuid4().hex[:6]}@example.com", "password": NEW_PASSWORD}
        return client.post("/api/v1/auth/register", json={**body, "full_name": name})

    try:
        app = create_app(settings, container)
        one_address = httpx.ASGITransport(app=app, client=("203.0.113.8", 1234))
        async with httpx.AsyncClient(transport=one_address, base_url="http://t") as client:
            assert [(await register(client, n)).status_code for n in ("a", "b")] == [201, 201]
            refused = await register(client, "c")
            assert refused.status_code == 429
            assert refused.json()["code"] == "rate_limited"
            assert "retry-after" in refused.headers
        another = httpx.ASGITransport(app=app, client=("198.51.100.10", 1234))
        async with httpx.AsyncClient(transport=another, base_url="http://t") as client:
            assert (await register(client, "d")).status_code == 201
    finally:
        await container.aclose()
