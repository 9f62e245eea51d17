"""Test data factories shared by every suite (add your module's factories below these)."""

from __future__ import annotations

import uuid

from mercato.accounts import service as accounts_service
from mercato.accounts.models import User
from mercato.bootstrap import Container

DEFAULT_PASSWORD = "correct horse battery staple"


async def create_user(
    container: Container,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role: str = "customer",
    verified: bool = True,
    full_name: str = "Test User",
) -> User:
    """A user written through the accounts service (unique email unless one is given)."""
    async with container.db.session() as session:
        return await accounts_service.create_user(
            session,
            email=email or f"user-{uuid.uuid4().hex[:12]}@example.com",
            password=password,
            role=role,
            verified=verified,
            full_name=full_name,
        )


def auth_headers(container: Container, user: User) -> dict[str, str]:
    """`Authorization: Bearer <access token>` for `user`."""
    issued = container.tokens.issue_access_token(user.id, user.role)
    return {"Authorization": f"Bearer {issued.token}"}
