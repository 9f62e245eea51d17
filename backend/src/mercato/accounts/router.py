"""HTTP endpoints of the accounts module (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from mercato.accounts import service
from mercato.accounts.dependencies import AdminUser, CurrentClaims, CurrentUser, StaffUser
from mercato.accounts.ports import AccountsDep
from mercato.accounts.schemas import (
    AddressCreate,
    AddressList,
    AddressRead,
    AddressUpdate,
    CustomerAdminUpdate,
    CustomerPage,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    TokenRequest,
    TokenResponse,
    UserRead,
    UserUpdate,
    Wishlist,
)
from mercato.platform.addresses import address_rule_countries
from mercato.platform.deps import SessionDep, client_ip

auth_router = APIRouter(prefix="/auth", tags=["auth"])
me_router = APIRouter(prefix="/me", tags=["me"])
admin_router = APIRouter(prefix="/admin/customers", tags=["admin-customers"])

ClientIp = Annotated[str, Depends(client_ip)]
NO_STORE = {"Cache-Control": "no-store"}


def _tokens(pair: service.TokenPair, response: Response) -> TokenResponse:
    response.headers.update(NO_STORE)
    return TokenResponse(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


# --------------------------------------------------------------------------- /auth


@auth_router.post(
    "/register",
    operation_id="register",
    responses={
        409: {"description": "email_taken"},
        429: {"description": "rate_limited (Retry-After)"},
    },
    summary="Create a customer account",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
)
async def register(
    body: RegisterRequest, container: AccountsDep, session: SessionDep, ip: ClientIp
) -> Any:
    return await service.register(
        container,
        session,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        marketing_consent=body.marketing_consent,
        locale=body.locale,
        ip=ip,
    )


@auth_router.post(
    "/token",
    operation_id="signIn",
    responses={
        401: {"description": "invalid_credentials"},
        403: {"description": "account_disabled"},
        429: {"description": "rate_limited (Retry-After)"},
    },
    response_model=TokenResponse,
    summary="Sign in (OAuth2 password)",
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    container: AccountsDep,
    session: SessionDep,
    response: Response,
    ip: ClientIp,
) -> TokenResponse:
    pair = await service.login(
        container, session, email=form.username, password=form.password, ip=ip
    )
    return _tokens(pair, response)


@auth_router.post(
    "/refresh",
    operation_id="refreshToken",
    responses={
        401: {"description": "invalid_refresh_token"},
        403: {"description": "account_disabled"},
    },
    summary="Exchange a refresh token for a new token pair",
    response_model=TokenResponse,
)
async def refresh(
    body: RefreshRequest, container: AccountsDep, response: Response, ip: ClientIp
) -> TokenResponse:
    pair = await service.refresh_session(container, body.refresh_token, ip=ip)
    return _tokens(pair, response)


@auth_router.post(
    "/logout",
    operation_id="signOut",
    summary="Revoke a refresh token (sign out)",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def logout(body: RefreshRequest, session: SessionDep) -> None:
    await service.logout(session, body.refresh_token)


@auth_router.get("/jwks", operation_id="getJwks", summary="Public keys that verify access tokens")
async def jwks(container: AccountsDep, response: Response) -> dict[str, list[dict[str, str]]]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return container.tokens.jwks()


@auth_router.post(
    "/verify-email",
    operation_id="verifyEmail",
    responses={409: {"description": "already_verified"}},
    summary="Verify an email address with the emailed token",
    response_model=UserRead,
)
async def verify_email(body: TokenRequest, session: SessionDep) -> Any:
    return await service.verify_email(session, body.token)


@auth_router.post(
    "/verify-email/resend",
    operation_id="resendVerificationEmail",
    responses={
        409: {"description": "already_verified"},
        429: {"description": "rate_limited (Retry-After)"},
    },
    summary="Send the verification email again",
    status_code=status.HTTP_202_ACCEPTED,
)
async def resend_verification(
    user: CurrentUser, container: AccountsDep, session: SessionDep
) -> dict[str, str]:
    await service.resend_verification(container, session, user)
    return {"status": "accepted"}


@auth_router.post(
    "/password-reset",
    operation_id="requestPasswordReset",
    responses={429: {"description": "rate_limited (Retry-After)"}},
    summary="Email a password-reset link",
    status_code=status.HTTP_202_ACCEPTED,
)
async def password_reset(
    body: PasswordResetRequest, container: AccountsDep, session: SessionDep, ip: ClientIp
) -> dict[str, str]:
    await service.request_password_reset(container, session, email=body.email, ip=ip)
    return {"status": "accepted"}


@auth_router.post(
    "/password-reset/confirm",
    operation_id="confirmPasswordReset",
    responses={429: {"description": "rate_limited (Retry-After)"}},
    summary="Set a new password with a reset token",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def password_reset_confirm(
    body: PasswordResetConfirm, container: AccountsDep, session: SessionDep, ip: ClientIp
) -> None:
    await service.confirm_password_reset(
        container, session, token=body.token, new_password=body.new_password, ip=ip
    )


# --------------------------------------------------------------------------- /me


@me_router.get("", operation_id="getMe", summary="The signed-in user", response_model=UserRead)
async def read_me(user: CurrentUser) -> Any:
    return user


@me_router.patch(
    "",
    operation_id="updateMe",
    responses={409: {"description": "email_taken"}},
    summary="Update my profile",
    response_model=UserRead,
)
async def update_me(body: UserUpdate, user: CurrentUser, session: SessionDep) -> Any:
    service.update_profile(user, **body.model_dump(exclude_unset=True, exclude_none=True))
    await session.flush()
    return user


@me_router.delete(
    "",
    operation_id="deleteMe",
    responses={409: {"description": "staff_account (staff and admins cannot close their own)"}},
    summary="Close my account (personal data is erased)",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def close_account(user: CurrentUser, session: SessionDep, ip: ClientIp) -> None:
    await service.close_account(session, user, ip=ip)


@me_router.post(
    "/password",
    operation_id="changePassword",
    responses={429: {"description": "rate_limited (Retry-After)"}},
    summary="Change my password",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def change_password(
    body: PasswordChange,
    user: CurrentUser,
    claims: CurrentClaims,
    container: AccountsDep,
    session: SessionDep,
    ip: ClientIp,
) -> None:
    await service.change_password(
        container,
        session,
        user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session=claims.session_id,
        ip=ip,
    )


@me_router.get("/export", operation_id="exportMe", summary="All personal data held about me (JSON)")
async def export_me(user: CurrentUser, session: SessionDep, response: Response) -> dict[str, Any]:
    response.headers.update(NO_STORE)
    response.headers["Content-Disposition"] = 'attachment; filename="mercato-export.json"'
    return await service.export_personal_data(session, user)


@me_router.get(
    "/addresses",
    operation_id="listAddresses",
    summary="My saved addresses",
    response_model=AddressList,
)
async def list_addresses(user: CurrentUser, session: SessionDep) -> AddressList:
    addresses = await service.list_addresses(session, user)
    return AddressList(
        items=[AddressRead.model_validate(a, from_attributes=True) for a in addresses],
        next_cursor=None,
    )


@me_router.post(
    "/addresses",
    operation_id="createAddress",
    responses={
        409: {"description": "too_many_addresses"},
        422: {"description": "invalid_address: a country not shipped to, a postal code or region"},
    },
    summary="Save an address",
    dependencies=[Depends(address_rule_countries)],  # the body's address rules
    status_code=status.HTTP_201_CREATED,
    response_model=AddressRead,
)
async def create_address(
    body: AddressCreate, user: CurrentUser, session: SessionDep, container: AccountsDep
) -> Any:
    allowed = container.settings.checkout.allowed_countries
    return await service.create_address(session, user, body.model_dump(), allowed_countries=allowed)


@me_router.patch(
    "/addresses/{address_id}",
    operation_id="updateAddress",
    responses={
        422: {"description": "invalid_address: a country not shipped to, a postal code or region"}
    },
    summary="Update a saved address",
    dependencies=[Depends(address_rule_countries)],  # the body's address rules
    response_model=AddressRead,
)
async def update_address(
    address_id: uuid.UUID,
    body: AddressUpdate,
    user: CurrentUser,
    session: SessionDep,
    container: AccountsDep,
) -> Any:
    return await service.update_address(
        session,
        user,
        address_id,
        body.model_dump(exclude_unset=True),
        allowed_countries=container.settings.checkout.allowed_countries,
    )


@me_router.delete(
    "/addresses/{address_id}",
    operation_id="deleteAddress",
    summary="Delete a saved address",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_address(address_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> None:
    await service.delete_address(session, user, address_id)


@me_router.get(
    "/wishlist", operation_id="getWishlist", summary="My wishlist", response_model=Wishlist
)
async def read_wishlist(user: CurrentUser, session: SessionDep) -> Wishlist:
    return Wishlist(items=await service.get_wishlist(session, user))


@me_router.put(
    "/wishlist",
    operation_id="replaceWishlist",
    summary="Replace my wishlist",
    response_model=Wishlist,
    responses={
        422: {
            "description": "unknown_product: an added item is not a published product's slug "
            "or SKU (`items` lists them); nothing changed"
        }
    },
)
async def replace_wishlist(body: Wishlist, user: CurrentUser, session: SessionDep) -> Wishlist:
    return Wishlist(items=await service.set_wishlist(session, user, body.items))


# --------------------------------------------------------------------------- /admin/customers


@admin_router.get(
    "",
    operation_id="listCustomers",
    summary="Customers, newest first (staff)",
    response_model=CustomerPage,
)
async def list_customers(
    _staff: StaffUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the email address or the name")
    ] = None,
    role: Literal["customer", "staff", "admin"] | None = None,
) -> CustomerPage:
    users, next_cursor = await service.list_customers(
        session, limit=limit, cursor=cursor, email=email, q=q, role=role
    )
    return CustomerPage(items=[UserRead.model_validate(u) for u in users], next_cursor=next_cursor)


@admin_router.patch(
    "/{user_id}",
    operation_id="updateCustomer",
    responses={409: {"description": "cannot_change_self"}},
    summary="Change a customer's role or status (admin)",
    response_model=UserRead,
)
async def update_customer(
    user_id: uuid.UUID,
    body: CustomerAdminUpdate,
    admin: AdminUser,
    session: SessionDep,
    ip: ClientIp,
) -> Any:
    user = await service.admin_update_customer(
        session, admin, user_id, role=body.role, is_active=body.is_active, ip=ip
    )
    await session.flush()
    return user


routers = [auth_router, me_router, admin_router]
