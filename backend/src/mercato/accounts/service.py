"""Accounts business rules: users, sessions, email tokens, profile, addresses, wishlist, admin.

Sessions: a login starts a refresh-token *family* with an absolute expiry; every refresh rotates
the token (the old one is marked used). Presenting a used token again means it was stolen: the
whole family is revoked and a security event is recorded. Access tokens carry the family id as
`sid` so "sign out everywhere else" can keep the current session.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.accounts import hooks
from mercato.accounts.models import (
    ROLES,
    UNUSABLE_PASSWORD,
    AccountToken,
    Address,
    RefreshToken,
    SecurityEvent,
    User,
    Wishlist,
)
from mercato.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    validate_password,
    verify_password,
)
from mercato.accounts.ports import AccountsPorts
from mercato.accounts.tokens import InvalidAccessToken
from mercato.platform.addresses import normalize_address
from mercato.platform.clock import as_utc, utcnow
from mercato.platform.emails import MAX_EMAIL_LENGTH, check_email
from mercato.platform.emails import normalize_email as normalize_email
from mercato.platform.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from mercato.platform.ids import hash_token, new_id, new_token
from mercato.platform.metrics import RATE_LIMIT_REJECTIONS
from mercato.platform.outbox import record_event
from mercato.platform.pagination import newest_first

log = structlog.get_logger("mercato.accounts")

VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"
MAX_ADDRESSES = 20
RESET_REQUESTS_PER_EMAIL = 5
RESET_REQUESTS_PER_IP = 30
RESET_WINDOW_SECONDS = 3600
VERIFY_RESENDS_PER_USER = 5


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    title = "Invalid credentials"


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"
    title = "Invalid refresh token"


class InvalidAccountToken(DomainError):
    status, code, title = 400, "invalid_token", "Invalid or expired token"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    session_id: uuid.UUID


# --------------------------------------------------------------------------- users


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
    check_email(normalize_email(email))  # the rule a guest's checkout email follows too
    now = utcnow()
    user = User(
        id=new_id(),
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


async def register(
    container: AccountsPorts,
    session: AsyncSession,
    *,
    email: str,
    password: str,
    full_name: str,
    marketing_consent: bool,
    locale: str,
    ip: str,
) -> User:
    await _throttle(
        container,
        f"register:ip:{ip}",
        container.settings.auth.registrations_per_ip_per_hour,
        RESET_WINDOW_SECONDS,
    )
    user = await create_user(
        session,
        email=email,
        password=password,
        full_name=full_name,
        marketing_consent=marketing_consent,
        locale=locale,
    )
    await _issue_account_token(container, session, user, VERIFY_EMAIL)
    return user


async def record_security_event(
    session: AsyncSession,
    event_type: str,
    *,
    user_id: uuid.UUID | None,
    ip: str | None,
    **details: Any,
) -> None:
    """A row in `security_event` (same transaction) and a warning log line."""
    session.add(
        SecurityEvent(
            id=new_id(),
            type=event_type,
            user_id=user_id,
            ip=ip,
            details=details,
            created_at=utcnow(),
        )
    )
    log.warning("security_event", type=event_type, user_id=str(user_id), ip=ip, **details)


async def _throttle(container: AccountsPorts, key: str, limit: int, window: int) -> None:
    state = await container.rate_limiter.hit(key, limit=limit, window_seconds=window)
    if state.exceeded:
        RATE_LIMIT_REJECTIONS.labels(key.split(":", 1)[0]).inc()
        raise RateLimited("Too many requests; try again later.", retry_after=state.retry_after)


# --------------------------------------------------------------------------- login and sessions


def _account_key(email: str) -> str:
    return f"login:acct:{hash_token(normalize_email(email))}"


def _account_ip_key(email: str, ip: str) -> str:
    return f"login:acct-ip:{hash_token(f'{normalize_email(email)} {ip}')}"


def _ip_key(ip: str) -> str:
    return f"login:ip:{ip}"


async def authenticate(
    container: AccountsPorts, session: AsyncSession, *, email: str, password: str, ip: str
) -> User:
    """Check the credentials under per-account and per-IP throttling of failed attempts.

    The account counter is taken *before* verifying (and cleared on success), so concurrent
    guesses cannot slip past the limit; the IP counter counts failures only.
    """
    auth = container.settings.auth
    limiter = container.rate_limiter
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("The password is too long.", code="invalid_password")
    window = auth.login_window_seconds
    ip_state = await limiter.peek(
        _ip_key(ip), limit=auth.login_max_failures_per_ip, window_seconds=window
    )
    if ip_state.count >= auth.login_max_failures_per_ip:
        log.warning("login_throttled", scope="ip", ip=ip)
        RATE_LIMIT_REJECTIONS.labels("login_ip").inc()
        raise RateLimited(
            "Too many failed sign-in attempts; try again later.", retry_after=ip_state.retry_after
        )
    # Per account from this address, then per account from every address (a higher limit): one
    # who fails from other addresses does not lock the owner out, a spread-out guesser is held.
    pair_key, account_key = _account_ip_key(email, ip), _account_key(email)
    for key, limit in (
        (pair_key, auth.login_max_failures_per_account),
        (account_key, auth.login_max_failures_per_account_all_ips),
    ):
        state = await limiter.hit(key, limit=limit, window_seconds=window)
        if state.exceeded:
            log.warning("login_throttled", scope="account", ip=ip)
            RATE_LIMIT_REJECTIONS.labels("login_account").inc()
            raise RateLimited(
                "Too many failed sign-in attempts for this account; try again later "
                "or reset your password.",
                retry_after=state.retry_after,
            )
    user = None
    if len(email) <= MAX_EMAIL_LENGTH and "\x00" not in email:
        user = await find_user_by_email(session, email)
    if user is None or user.deleted_at is not None:
        verify_password(None, password)  # same cost as a real check
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok or user is None:
        await limiter.hit(_ip_key(ip), limit=auth.login_max_failures_per_ip, window_seconds=window)
        raise InvalidCredentials("Incorrect email or password.")
    await limiter.reset(pair_key)
    await limiter.reset(account_key)
    if not user.is_active:
        raise Forbidden("This account has been deactivated.", code="account_disabled")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


async def start_session(container: AccountsPorts, session: AsyncSession, user: User) -> TokenPair:
    """A new refresh-token family (absolute expiry from now) and an access token."""
    now = utcnow()
    family_id = new_id()
    expires_at = now + timedelta(days=container.settings.auth.refresh_token_ttl_days)
    raw = _add_refresh_token(session, user.id, family_id, expires_at, now)
    access = container.tokens.issue_access_token(user.id, user.role, session_id=family_id)
    return TokenPair(access.token, access.expires_in, raw, family_id)


def _add_refresh_token(
    session: AsyncSession,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    expires_at: datetime,
    now: datetime,
) -> str:
    raw = new_token()
    session.add(
        RefreshToken(
            id=new_id(),
            token_hash=hash_token(raw),
            family_id=family_id,
            user_id=user_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return raw


async def login(
    container: AccountsPorts, session: AsyncSession, *, email: str, password: str, ip: str
) -> TokenPair:
    user = await authenticate(container, session, email=email, password=password, ip=ip)
    return await start_session(container, session, user)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def revoke_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, keep_session: uuid.UUID | None = None
) -> None:
    """Revoke every refresh-token family of the user (except `keep_session`)."""
    stmt = update(RefreshToken).where(
        RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
    )
    if keep_session is not None:
        stmt = stmt.where(RefreshToken.family_id != keep_session)
    await session.execute(
        stmt.values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )


async def refresh_session(container: AccountsPorts, raw_token: str, *, ip: str) -> TokenPair:
    """Rotate a refresh token. Runs its own unit of work so that a detected reuse (family
    revoked, security event) is committed even though the caller gets a 401."""
    failure: InvalidRefreshToken | None = None
    pair: TokenPair | None = None
    async with container.db.session() as session:
        now = utcnow()
        token = (
            await session.execute(
                select(RefreshToken).where(RefreshToken.token_hash == hash_token(raw_token))
            )
        ).scalar_one_or_none()
        if token is None:
            failure = InvalidRefreshToken("Unknown refresh token.")
        elif token.revoked_at is not None or as_utc(token.expires_at) <= now:
            failure = InvalidRefreshToken("This session has ended; sign in again.")
        else:
            claimed = await session.execute(
                update(RefreshToken)
                .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            user = await session.get(User, token.user_id)
            if cast(CursorResult[Any], claimed).rowcount != 1:
                await _revoke_family(session, token.family_id, now)
                await record_security_event(
                    session,
                    "refresh_token_reuse",
                    user_id=token.user_id,
                    ip=ip,
                    family_id=str(token.family_id),
                )
                failure = InvalidRefreshToken("This refresh token was already used; sign in again.")
            elif user is None or not user.is_active or user.deleted_at is not None:
                await _revoke_family(session, token.family_id, now)
                failure = InvalidRefreshToken("This account is not active.")
            else:
                raw = _add_refresh_token(
                    session, user.id, token.family_id, as_utc(token.expires_at), now
                )
                access = container.tokens.issue_access_token(
                    user.id, user.role, session_id=token.family_id
                )
                pair = TokenPair(access.token, access.expires_in, raw, token.family_id)
    if failure is not None:
        raise failure
    assert pair is not None
    return pair


async def logout(session: AsyncSession, raw_token: str) -> None:
    """Revoke the session (family) of this refresh token. Unknown tokens are ignored."""
    token = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == hash_token(raw_token))
        )
    ).scalar_one_or_none()
    if token is not None:
        await _revoke_family(session, token.family_id, utcnow())


async def change_password(
    container: AccountsPorts,
    session: AsyncSession,
    user: User,
    *,
    current_password: str,
    new_password: str,
    keep_session: uuid.UUID | None,
    ip: str,
) -> None:
    """Needs the current password; signs out every other session."""
    auth = container.settings.auth
    key = _account_ip_key(user.email, ip)  # the sign-in limit of this account from this address
    state = await container.rate_limiter.peek(
        key, limit=auth.login_max_failures_per_account, window_seconds=auth.login_window_seconds
    )
    if state.count >= auth.login_max_failures_per_account:
        raise RateLimited(
            "Too many failed attempts; try again later.", retry_after=state.retry_after
        )
    if not verify_password(user.password_hash, current_password):
        await container.rate_limiter.hit(
            key, limit=auth.login_max_failures_per_account, window_seconds=auth.login_window_seconds
        )
        raise ValidationFailed("The current password is wrong.", code="wrong_password")
    validate_password(new_password)
    if new_password == current_password:
        raise ValidationFailed(
            "The new password is the same as the current one.", code="same_password"
        )
    user.password_hash = hash_password(new_password)
    await revoke_sessions(session, user.id, keep_session=keep_session)
    await record_security_event(session, "password_changed", user_id=user.id, ip=ip)


# --------------------------------------------------------------------------- email tokens


async def _issue_account_token(
    container: AccountsPorts, session: AsyncSession, user: User, purpose: str
) -> None:
    """A fresh single-use token (earlier unused ones for the purpose are dropped) and its
    outbox event, with the token encrypted for the worker that sends the email."""
    auth = container.settings.auth
    ttl = (
        auth.email_token_ttl_minutes if purpose == VERIFY_EMAIL else auth.password_reset_ttl_minutes
    )
    now = utcnow()
    await session.execute(
        delete(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .execution_options(synchronize_session=False)
    )
    raw = new_token()
    session.add(
        AccountToken(
            id=new_id(),
            token_hash=hash_token(raw),
            purpose=purpose,
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(minutes=ttl),
        )
    )
    event = "EmailVerificationRequested" if purpose == VERIFY_EMAIL else "PasswordResetRequested"
    record_event(
        session,
        event,
        {
            "user_id": str(user.id),
            "email": user.email,
            "full_name": user.full_name,
            "token": container.secret_box.encrypt(raw),
            "expires_in_minutes": ttl,  # the email says how long the link works
        },
    )


async def _consume_account_token(session: AsyncSession, raw: str, purpose: str) -> User:
    now = utcnow()
    token = (
        await session.execute(
            select(AccountToken).where(
                AccountToken.token_hash == hash_token(raw), AccountToken.purpose == purpose
            )
        )
    ).scalar_one_or_none()
    if token is None or token.used_at is not None or as_utc(token.expires_at) <= now:
        raise InvalidAccountToken("This link is invalid, expired or already used.")
    claimed = await session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise InvalidAccountToken("This link is invalid, expired or already used.")
    user = await session.get(User, token.user_id)
    if user is None or user.deleted_at is not None or not user.is_active:
        raise InvalidAccountToken("This link is invalid, expired or already used.")
    return user


async def resend_verification(container: AccountsPorts, session: AsyncSession, user: User) -> None:
    if user.email_verified:
        raise Conflict("The email address is already verified.", code="already_verified")
    await _throttle(
        container, f"verify:user:{user.id}", VERIFY_RESENDS_PER_USER, RESET_WINDOW_SECONDS
    )
    await _issue_account_token(container, session, user, VERIFY_EMAIL)


async def verify_email(session: AsyncSession, raw_token: str) -> User:
    user = await _consume_account_token(session, raw_token, VERIFY_EMAIL)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


async def request_password_reset(
    container: AccountsPorts, session: AsyncSession, *, email: str, ip: str
) -> None:
    """Always the same outcome for the caller; an event is recorded only for real accounts."""
    email = normalize_email(email)
    await _throttle(container, f"reset:ip:{ip}", RESET_REQUESTS_PER_IP, RESET_WINDOW_SECONDS)
    await _throttle(
        container,
        f"reset:acct:{hash_token(email)}",
        RESET_REQUESTS_PER_EMAIL,
        RESET_WINDOW_SECONDS,
    )
    user = await find_user_by_email(session, email) if len(email) <= MAX_EMAIL_LENGTH else None
    if user is None or user.deleted_at is not None or not user.is_active:
        return
    await _issue_account_token(container, session, user, PASSWORD_RESET)


async def confirm_password_reset(
    container: AccountsPorts, session: AsyncSession, *, token: str, new_password: str, ip: str
) -> None:
    """Set the new password, sign out every session and lift the login throttle."""
    validate_password(new_password)
    user = await _consume_account_token(session, token, PASSWORD_RESET)
    user.password_hash = hash_password(new_password)
    if user.email_verified_at is None:  # they proved they read this mailbox
        user.email_verified_at = utcnow()
    await revoke_sessions(session, user.id)
    await record_security_event(session, "password_reset", user_id=user.id, ip=ip)
    await container.rate_limiter.reset(_account_key(user.email))
    await container.rate_limiter.reset(_account_ip_key(user.email, ip))


async def purge_expired_tokens(container: AccountsPorts) -> int:
    """Delete expired refresh and email tokens (scheduled by the worker). Returns the count."""
    now = utcnow()
    async with container.db.session() as session:
        refresh = await session.execute(
            delete(RefreshToken)
            .where(RefreshToken.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
        account = await session.execute(
            delete(AccountToken)
            .where(
                or_(
                    AccountToken.expires_at <= now,
                    AccountToken.used_at <= now - timedelta(days=1),
                )
            )
            .execution_options(synchronize_session=False)
        )
    return int(cast(CursorResult[Any], refresh).rowcount or 0) + int(
        cast(CursorResult[Any], account).rowcount or 0
    )


# --------------------------------------------------------------------------- profile


def update_profile(
    user: User,
    *,
    full_name: str | None = None,
    locale: str | None = None,
    marketing_consent: bool | None = None,
) -> User:
    if full_name is not None:
        user.full_name = full_name
    if locale is not None:
        user.locale = locale
    if marketing_consent is not None and marketing_consent != user.marketing_consent:
        user.marketing_consent = marketing_consent
        user.marketing_consent_at = utcnow() if marketing_consent else None
    return user


def _iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def _address_dict(address: Address) -> dict[str, Any]:
    return {
        "id": str(address.id),
        "full_name": address.full_name,
        "company": address.company,
        "line1": address.line1,
        "line2": address.line2,
        "postal_code": address.postal_code,
        "city": address.city,
        "region": address.region,
        "country": address.country,
        "phone": address.phone,
        "is_default": address.is_default,
        "created_at": _iso(address.created_at),
    }


async def export_personal_data(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything we hold about the customer, as JSON (GDPR art. 15/20)."""
    data: dict[str, Any] = {
        "exported_at": utcnow().isoformat(),
        "profile": {
            "id": str(user.id),
            "email": user.email,
            "full_name": user.full_name,
            "role": user.role,
            "email_verified_at": _iso(user.email_verified_at),
            "created_at": _iso(user.created_at),
            "updated_at": _iso(user.updated_at),
        },
        "preferences": {
            "locale": user.locale,
            "marketing_consent": user.marketing_consent,
            "marketing_consent_at": _iso(user.marketing_consent_at),
        },
        "addresses": [_address_dict(a) for a in await list_addresses(session, user)],
        "wishlist": await get_wishlist(session, user),
    }
    for section, exporter in hooks.exporters().items():
        data[section] = await exporter(session, user.id)
    return data


async def close_account(session: AsyncSession, user: User, *, ip: str) -> None:
    """Erase or anonymise personal data; other modules' anonymisers keep accounting records.

    Only customers close their own account: a staff or admin account closed with a bearer token
    alone could leave the shop without an admin (an admin changes the role to customer first)."""
    if user.role != "customer":
        raise Conflict(
            "Staff and admin accounts cannot be closed here: an admin first makes it a customer "
            "account.",
            code="staff_account",
        )
    for anonymiser in hooks.anonymisers().values():
        await anonymiser(session, user.id)
    for model in (Address, Wishlist, AccountToken, RefreshToken):
        await session.execute(
            delete(model)
            .where(model.user_id == user.id)
            .execution_options(synchronize_session=False)
        )
    now = utcnow()
    user.email = f"deleted-{user.id}@invalid"
    user.full_name = ""
    user.password_hash = UNUSABLE_PASSWORD
    user.is_active = False
    user.email_verified_at = None
    user.marketing_consent = False
    user.marketing_consent_at = None
    user.deleted_at = now
    await record_security_event(session, "account_closed", user_id=user.id, ip=ip)


# --------------------------------------------------------------------------- addresses


async def list_addresses(session: AsyncSession, user: User) -> list[Address]:
    result = await session.execute(
        select(Address)
        .where(Address.user_id == user.id)
        .order_by(Address.is_default.desc(), Address.created_at, Address.id)
    )
    return list(result.scalars())


async def _own_address(session: AsyncSession, user: User, address_id: uuid.UUID) -> Address:
    address = await session.get(Address, address_id)
    if address is None or address.user_id != user.id:  # someone else's: not found
        raise NotFound("Address not found.")
    return address


async def _clear_default(session: AsyncSession, user: User, keep: uuid.UUID) -> None:
    await session.execute(
        update(Address)
        .where(Address.user_id == user.id, Address.id != keep)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )


_ADDRESS_BOOK_REQUIRED = ("full_name", "line1", "city", "postal_code", "country")
_ADDRESS_PARTS = (
    *("full_name", "company", "line1", "line2", "postal_code", "city", "region", "country"),
    "phone",
)


def _checked_address(fields: dict[str, Any], allowed_countries: Collection[str]) -> dict[str, Any]:
    """`fields` if checkout will accept the address: an allowed country, its postal-code format
    and region (422 `invalid_address` with `errors` located in the body otherwise); the country,
    postal code and region as checkout writes them."""
    checked = normalize_address(
        fields, allowed_countries=allowed_countries, field="body", required=_ADDRESS_BOOK_REQUIRED
    )
    written = {"country": checked["country"], "postal_code": checked["postal_code"]}
    if "region" in fields:
        written["region"] = checked.get("region") or ""  # "" where none is given, as stored
    return fields | written


async def create_address(
    session: AsyncSession,
    user: User,
    fields: dict[str, Any],
    *,
    allowed_countries: Collection[str],
) -> Address:
    fields = _checked_address(fields, allowed_countries)
    count = await session.scalar(
        select(func.count()).select_from(Address).where(Address.user_id == user.id)
    )
    if (count or 0) >= MAX_ADDRESSES:
        raise Conflict(f"At most {MAX_ADDRESSES} addresses per account.", code="too_many_addresses")
    now = utcnow()
    address = Address(id=new_id(), user_id=user.id, created_at=now, updated_at=now, **fields)
    if not count:
        address.is_default = True
    session.add(address)
    await session.flush()
    if address.is_default:
        await _clear_default(session, user, address.id)
    return address


async def update_address(
    session: AsyncSession,
    user: User,
    address_id: uuid.UUID,
    fields: dict[str, Any],
    *,
    allowed_countries: Collection[str],
) -> Address:
    address = await _own_address(session, user, address_id)
    for name, value in fields.items():
        if value is None:
            raise ValidationFailed(f"`{name}` cannot be null.", code="validation_error")
    if fields:  # the address as it will be, checked whole (a new country, the old postcode)
        merged = {name: getattr(address, name) for name in _ADDRESS_PARTS} | fields
        checked = _checked_address(merged, allowed_countries)
        fields = {name: checked[name] for name in fields}
    for name, value in fields.items():
        setattr(address, name, value)
    await session.flush()
    if address.is_default:
        await _clear_default(session, user, address.id)
    return address


async def delete_address(session: AsyncSession, user: User, address_id: uuid.UUID) -> None:
    address = await _own_address(session, user, address_id)
    await session.delete(address)


# --------------------------------------------------------------------------- wishlist


async def get_wishlist(session: AsyncSession, user: User) -> list[str]:
    wishlist = await session.get(Wishlist, user.id)
    return list(wishlist.items) if wishlist else []


async def set_wishlist(session: AsyncSession, user: User, items: list[str]) -> list[str]:
    """Replace the list. An item it did not hold yet must name a published product (its slug or
    one of its SKUs), else 422 `unknown_product` and nothing changes; an item it holds stays even
    if its product was unpublished since (the shopper removes it, nothing else breaks)."""
    unique = list(dict.fromkeys(items))  # de-duplicate, keep order
    wishlist = await session.get(Wishlist, user.id)
    held = set(wishlist.items) if wishlist else set()
    added = [ref for ref in unique if ref not in held]
    if added:
        known = await hooks.wishlist_products()(session, added)
        unknown = [ref for ref in added if ref not in known]
        if unknown:
            raise ValidationFailed(
                "Not a product in the shop: "
                + ", ".join(unknown[:5])
                + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
                + ".",
                code="unknown_product",
                extra={"items": unknown},
            )
    if wishlist is None:
        session.add(Wishlist(user_id=user.id, items=unique, updated_at=utcnow()))
    else:
        wishlist.items = unique
    return unique


# --------------------------------------------------------------------------- admin


async def list_customers(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    email: str | None,
    q: str | None = None,
    role: str | None = None,
) -> tuple[list[User], str | None]:
    """Accounts newest first, keyset-paginated by (created_at, id).

    `email` matches part of the address; `q` part of the address or the name (case-insensitive).
    """
    if (email and "\x00" in email) or (q and "\x00" in q):
        raise ValidationFailed("The search must not contain NUL characters.")
    stmt = select(User).where(User.deleted_at.is_(None))
    if email:
        stmt = stmt.where(User.email.contains(email.strip().lower(), autoescape=True))
    if q and q.strip():
        term = q.strip().lower()
        stmt = stmt.where(
            or_(
                User.email.contains(term, autoescape=True),
                func.lower(User.full_name).contains(term, autoescape=True),
            )
        )
    if role:
        stmt = stmt.where(User.role == role)
    return await newest_first(session, stmt, User.created_at, User.id, limit=limit, cursor=cursor)


async def get_customer(session: AsyncSession, user_id: uuid.UUID) -> User:
    """An account for the admin (404 when unknown or deleted)."""
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("Customer not found.")
    return user


async def admin_update_customer(
    session: AsyncSession,
    actor: User,
    user_id: uuid.UUID,
    *,
    role: str | None,
    is_active: bool | None,
    ip: str,
) -> User:
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("Customer not found.")
    if user.id == actor.id and ((role is not None and role != user.role) or is_active is False):
        raise Conflict("Admins cannot demote or deactivate themselves.", code="cannot_change_self")
    if role is not None and role != user.role:
        if role not in ROLES:
            raise ValidationFailed(f"Unknown role {role!r}.", code="invalid_role")
        await record_security_event(
            session,
            "role_changed",
            user_id=user.id,
            ip=ip,
            by=str(actor.id),
            old=user.role,
            new=role,
        )
        user.role = role
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        if not is_active:
            await revoke_sessions(session, user.id)
        await record_security_event(
            session,
            "account_activated" if is_active else "account_deactivated",
            user_id=user.id,
            ip=ip,
            by=str(actor.id),
        )
    return user


async def ensure_admin(
    container: AccountsPorts, *, email: str, password: str | None
) -> tuple[User, bool]:
    """Create an admin, or promote (and re-activate) an existing account. True when created."""
    async with container.db.session() as session:
        user = await find_user_by_email(session, email)
        if user is not None:
            user.role = "admin"
            user.is_active = True
            await record_security_event(session, "role_changed", user_id=user.id, ip=None, by="cli")
            return user, False
        if password is None:
            raise ValidationFailed("A password is required for a new account.")
        user = await create_user(
            session, email=email, password=password, role="admin", verified=True
        )
        return user, True


async def list_users(container: AccountsPorts, *, limit: int = 100) -> list[User]:
    async with container.db.session(write=False) as session:
        result = await session.execute(
            select(User)
            .where(User.deleted_at.is_(None))
            .order_by(User.created_at.desc(), User.id.desc())
            .limit(limit)
        )
        return list(result.scalars())
