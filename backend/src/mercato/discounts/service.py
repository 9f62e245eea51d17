"""Discount codes: validity, atomic redemption and release, and staff management.

Below checkout and orders: checkout redeems a code while it places an order, orders give the use
back when an unpaid order is cancelled. A code's use is counted with one conditional UPDATE, so a
burst of checkouts can never push it past its limit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.accounts import hooks as account_hooks
from mercato.accounts import service as accounts
from mercato.accounts.models import User
from mercato.discounts.models import DiscountCode, DiscountRedemption
from mercato.discounts.schemas import DiscountCreate, DiscountUpdate
from mercato.platform.clock import as_utc, utcnow
from mercato.platform.errors import Conflict, DomainError, NotFound, ValidationFailed
from mercato.platform.money import DEFAULT_CURRENCY
from mercato.platform.pagination import newest_first
from mercato.platform.ports import PlatformPorts


def normalize_code(code: str) -> str:
    return code.strip().upper()


async def find_discount(session: AsyncSession, code: str) -> DiscountCode | None:
    stmt = select(DiscountCode).where(DiscountCode.code == normalize_code(code))
    return (await session.scalars(stmt)).first()


def customer_key(customer_id: uuid.UUID | None, email: str | None) -> str | None:
    """The key a use is stored under: the signed-in customer, else the order's email address."""
    if customer_id is not None:
        return f"user:{customer_id}"
    return f"email:{_canonical_email(email)}" if email else None


def _canonical_email(email: str) -> str:
    """One address per mailbox: as accounts compare them, without a `+tag` (ann+promo@ is ann@)."""
    address = accounts.normalize_email(email)
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    return f"{local.split('+', 1)[0] or local}@{domain}"


class _Person(NamedTuple):
    keys: list[str]  # `customer_key`s their uses may be stored under
    emails: list[str]  # `customer_email`s their uses may be stored under


async def _person(
    session: AsyncSession, customer_id: uuid.UUID | None, email: str | None
) -> _Person:
    """Everything this person's earlier uses may be stored under, whether they used the code
    signed in or as a guest: the customer, the order's and the account's email addresses (as
    given and without a `+tag`), and the account registered with the order's address."""
    keys: set[str] = set()
    given = {email} if email else set()
    if customer_id is not None:
        keys.add(f"user:{customer_id}")
        user = await session.get(User, customer_id)
        if user is not None:
            given.add(user.email)
    emails: set[str] = set()
    for address in given:
        emails.update((address.strip().lower(), _canonical_email(address)))
        account = await accounts.find_user_by_email(session, address)
        if account is not None:
            keys.add(f"user:{account.id}")
    keys.update(f"email:{address}" for address in emails)
    return _Person(sorted(keys), sorted(emails))


async def discount_problem(
    session: AsyncSession,
    discount: DiscountCode | None,
    *,
    subtotal: int,
    currency: str,
    customer_id: uuid.UUID | None,
    email: str | None,
    now: datetime,
    ordered_as: uuid.UUID | None = None,
) -> DomainError | None:
    """Why the code cannot be used now (None when it can). Usage is re-checked atomically later.

    `ordered_as`: the order a checked-out cart became; its own use of the code does not count
    against it (the cart still shows the discount its order got)."""
    own_use = 0
    if (
        ordered_as is not None
        and discount is not None
        and (discount.usage_limit is not None or discount.per_customer_limit is not None)
    ):
        own_use = int(
            await session.scalar(
                select(func.count(DiscountRedemption.id)).where(
                    DiscountRedemption.discount_code_id == discount.id,
                    DiscountRedemption.order_id == ordered_as,
                )
            )
            or 0
        )
    if discount is None or not discount.active:
        return ValidationFailed("This discount code is not valid.", code="invalid_discount_code")
    if (discount.starts_at and now < discount.starts_at) or (
        discount.ends_at and now >= discount.ends_at
    ):
        return ValidationFailed("This discount code is not valid now.", code="discount_not_active")
    if discount.kind == "fixed" and discount.currency != currency:
        return ValidationFailed("This discount code is not valid.", code="invalid_discount_code")
    if subtotal < discount.min_subtotal:
        return ValidationFailed(
            "The cart does not reach this code's minimum spend.",
            code="discount_min_spend",
            extra={"min_subtotal": discount.min_subtotal},
        )
    if discount.usage_limit is not None and discount.used_count - own_use >= discount.usage_limit:
        return Conflict("This discount code has been used up.", code="discount_exhausted")
    if discount.per_customer_limit is not None and (customer_id is not None or email):
        used = await _customer_uses(session, discount.id, customer_id, email)
        if used - own_use >= discount.per_customer_limit:
            return Conflict(
                "You have already used this discount code.", code="discount_customer_limit"
            )
    return None


async def _customer_uses(
    session: AsyncSession, discount_id: uuid.UUID, customer_id: uuid.UUID | None, email: str | None
) -> int:
    person = await _person(session, customer_id, email)
    count = await session.scalar(
        select(func.count(DiscountRedemption.id)).where(
            DiscountRedemption.discount_code_id == discount_id,
            DiscountRedemption.customer_key.in_(person.keys)
            | DiscountRedemption.customer_email.in_(person.emails),
        )
    )
    return int(count or 0)


async def redeem(
    session: AsyncSession,
    discount: DiscountCode,
    *,
    order_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    email: str,
    amount: int,
) -> None:
    """Count one use atomically: a conditional UPDATE, then a redemption row whose unique key
    (code, customer, use number) makes the per-customer limit race-safe as well. The customer's
    earlier uses count under every key they may be stored under (`_person`)."""
    key = customer_key(customer_id, email)
    assert key is not None
    result = await session.execute(
        update(DiscountCode)
        .where(
            DiscountCode.id == discount.id,
            DiscountCode.active.is_(True),
            (DiscountCode.usage_limit.is_(None))
            | (DiscountCode.used_count < DiscountCode.usage_limit),
        )
        .values(used_count=DiscountCode.used_count + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("This discount code has been used up.", code="discount_exhausted")
    use_number: int | None = None
    if discount.per_customer_limit is not None:
        used = await _customer_uses(session, discount.id, customer_id, email)
        if used >= discount.per_customer_limit:
            raise Conflict(
                "You have already used this discount code.", code="discount_customer_limit"
            )
        use_number = used + 1
    try:
        async with session.begin_nested():
            session.add(
                DiscountRedemption(
                    discount_code_id=discount.id,
                    order_id=order_id,
                    customer_key=key,
                    customer_email=_canonical_email(email),
                    use_number=use_number,
                    amount=amount,
                    created_at=utcnow(),
                )
            )
    except IntegrityError as exc:
        raise Conflict(
            "You have already used this discount code.", code="discount_customer_limit"
        ) from exc


async def release_discount(session: AsyncSession, *, order_id: uuid.UUID) -> None:
    """Give a cancelled order's discount use back (code row first: the same lock order as
    checkout, so the two cannot deadlock)."""
    redemption = (
        await session.scalars(
            select(DiscountRedemption).where(DiscountRedemption.order_id == order_id)
        )
    ).first()
    if redemption is None:
        return
    await session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == redemption.discount_code_id, DiscountCode.used_count > 0)
        .values(used_count=DiscountCode.used_count - 1)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(DiscountRedemption)
        .where(DiscountRedemption.id == redemption.id)
        .execution_options(synchronize_session=False)
    )


async def create_discount(
    session: AsyncSession, container: PlatformPorts, data: DiscountCreate
) -> DiscountCode:
    code = normalize_code(data.code)
    if await find_discount(session, code) is not None:
        raise Conflict("A discount with this code exists.", code="discount_code_taken")
    discount = DiscountCode(
        code=code,
        kind=data.kind,
        value=data.value,
        currency=getattr(
            getattr(container.settings, "catalog", None), "currency", DEFAULT_CURRENCY
        ),
        min_subtotal=data.min_subtotal,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        usage_limit=data.usage_limit,
        per_customer_limit=data.per_customer_limit,
        used_count=0,
        active=True,
        created_at=utcnow(),
    )
    session.add(discount)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("A discount with this code exists.", code="discount_code_taken") from exc
    return discount


async def list_discounts(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[DiscountCode], str | None]:
    """A page of codes, newest first, and the cursor of the next page (None on the last)."""
    return await newest_first(
        session,
        select(DiscountCode),
        DiscountCode.created_at,
        DiscountCode.id,
        limit=limit,
        cursor=cursor,
    )


async def disable_discount(session: AsyncSession, discount_id: uuid.UUID) -> DiscountCode:
    discount = await session.get(DiscountCode, discount_id)
    if discount is None:
        raise NotFound("No such discount.", code="discount_not_found")
    discount.active = False
    await session.flush()
    return discount


async def _get_discount(session: AsyncSession, discount_id: uuid.UUID) -> DiscountCode:
    discount = await session.get(DiscountCode, discount_id)
    if discount is None:
        raise NotFound("No such discount.", code="discount_not_found")
    return discount


async def update_discount(
    session: AsyncSession, discount_id: uuid.UUID, data: DiscountUpdate
) -> DiscountCode:
    """Apply the fields that were sent; the result must still be a consistent code."""
    discount = await _get_discount(session, discount_id)
    changes = data.model_dump(exclude_unset=True)
    value = changes.get("value", discount.value)
    if discount.kind == "percentage" and not 1 <= value <= 100:
        raise ValidationFailed(
            "A percentage discount needs a value between 1 and 100.", code="invalid_discount"
        )
    if discount.kind == "fixed" and value < 1:
        raise ValidationFailed(
            "A fixed discount needs a positive value (minor units).", code="invalid_discount"
        )
    starts_at = changes.get("starts_at", discount.starts_at)
    ends_at = changes.get("ends_at", discount.ends_at)
    if starts_at and ends_at and as_utc(ends_at) <= as_utc(starts_at):
        raise ValidationFailed("ends_at must be after starts_at.", code="invalid_discount")
    limit = changes.get("usage_limit", discount.usage_limit)
    if limit is not None and limit < discount.used_count:
        raise Conflict(
            f"This code was already used {discount.used_count} times.",
            code="usage_limit_below_used",
            extra={"used_count": discount.used_count},
        )
    for key, new in changes.items():
        setattr(discount, key, new)
    await session.flush()
    return discount


async def discount_usage(
    session: AsyncSession, discount_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[DiscountCode, int, int, list[DiscountRedemption], str | None]:
    """(code, redemptions, total discounted, a page of redemptions newest first, next cursor)."""
    discount = await _get_discount(session, discount_id)
    count, total = (
        await session.execute(
            select(
                func.count(DiscountRedemption.id),
                func.coalesce(func.sum(DiscountRedemption.amount), 0),
            ).where(DiscountRedemption.discount_code_id == discount_id)
        )
    ).one()
    query = select(DiscountRedemption).where(DiscountRedemption.discount_code_id == discount_id)
    rows, next_page = await newest_first(
        session,
        query,
        DiscountRedemption.created_at,
        DiscountRedemption.id,
        limit=limit,
        cursor=cursor,
    )
    return discount, int(count), int(total), rows, next_page


async def forget_customer_email(session: AsyncSession, user_id: uuid.UUID) -> None:
    """On account closure the customer's uses keep their count but lose the email address."""
    await session.execute(
        update(DiscountRedemption)
        .where(DiscountRedemption.customer_key == f"user:{user_id}")
        .values(customer_email=None)
        .execution_options(synchronize_session=False)
    )


def register_account_hooks() -> None:
    """Forget the email of a closed account's uses (idempotent; done at import)."""
    account_hooks.register_anonymiser("discounts", forget_customer_email)


register_account_hooks()
