"""Authentication dependencies for every router: CurrentUser, OptionalUser, require_role, ...

The bearer token is verified (signature, claims, key) and the user is re-read on every request,
so deactivation, deletion and role changes take effect at once. The role checked is the one in
the database, not the token's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from mercato.accounts import service
from mercato.accounts.models import STAFF_ROLES, User
from mercato.accounts.ports import AccountsDep
from mercato.accounts.tokens import AccessClaims, InvalidAccessToken
from mercato.platform.deps import SessionDep
from mercato.platform.errors import Forbidden

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_optional_claims(
    request: Request,
    container: AccountsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> AccessClaims | None:
    """None without an Authorization header; 401 when one is sent but is not a valid bearer."""
    if token is None:
        if request.headers.get("authorization"):
            raise InvalidAccessToken("Use 'Authorization: Bearer <access token>'.")
        return None
    claims = container.tokens.verify_access_token(token)
    request.state.auth_claims = claims
    return claims


OptionalClaims = Annotated[AccessClaims | None, Depends(get_optional_claims)]


async def get_claims(claims: OptionalClaims) -> AccessClaims:
    if claims is None:
        raise InvalidAccessToken("Authentication required.", code="not_authenticated")
    return claims


CurrentClaims = Annotated[AccessClaims, Depends(get_claims)]


async def get_optional_user(session: SessionDep, claims: OptionalClaims) -> User | None:
    if claims is None:
        return None
    return await service.get_authenticated_user(session, claims.user_id)


async def get_current_user(session: SessionDep, claims: CurrentClaims) -> User:
    return await service.get_authenticated_user(session, claims.user_id)


CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def require_role(*roles: str) -> Callable[[User], Awaitable[User]]:
    """A dependency that lets only users with one of `roles` through (403 otherwise)."""
    allowed = frozenset(roles)

    async def check_role(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden("You do not have permission to do this.")
        return user

    return check_role


StaffUser = Annotated[User, Depends(require_role(*STAFF_ROLES))]
AdminUser = Annotated[User, Depends(require_role("admin"))]
