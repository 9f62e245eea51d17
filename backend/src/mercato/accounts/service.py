"""Accounts business rules: users, sessions, email tokens, profile, addresses, wishlist."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.accounts.models import ROLES, User
from mercato.accounts.passwords import hash_password, validate_password
from mercato.accounts.tokens import InvalidAccessToken
from mercato.errors import Conflict, ValidationFailed
from mercato.shared.clock import utcnow


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == normalize_email(email)))
    return result.scalar_one_or_none()


async def get_authenticated_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    """The user behind a valid access token; 401 when it is gone, closed or deactivated."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active or user.deleted_at is not None:
        raise InvalidAccessToken("This account is not active.")
    return user


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    full_name: str = "",
    role: str = "customer",
    verified: bool = False,
    marketing_consent: bool = False,
    locale: str = "en",
) -> User:
    """Create an account (409 `email_taken` when the email is in use)."""
    if role not in ROLES:
        raise ValidationFailed(f"Unknown role {role!r}.", code="invalid_role")
    validate_password(password)
    now = utcnow()
    user = User(
        email=normalize_email(email),
        password_hash=hash_password(password),
        full_name=full_name,
        role=role,
        is_active=True,
        email_verified_at=now if verified else None,
        marketing_consent=marketing_consent,
        marketing_consent_at=now if marketing_consent else None,
        locale=locale,
        created_at=now,
        updated_at=now,
    )
    if await find_user_by_email(session, user.email) is not None:
        raise Conflict("An account with this email already exists.", code="email_taken")
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict("An account with this email already exists.", code="email_taken") from exc
    return user
