"""Carts: lines by SKU with quantity caps, ownership, merge on login, expiry and reminders.

Prices are never stored on a cart: every read re-reads them from the catalog. A line whose
product became unavailable stays in the cart, flagged. A cart owned by a customer is invisible
(404) to everyone else; a guest cart is reachable by its random id.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

import structlog
from sqlalchemy import Select, Update, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.accounts import hooks as account_hooks
from mercato.accounts import service as accounts
from mercato.cart.models import Cart, CartLine
from mercato.catalog import service as catalog
from mercato.platform.clock import utcnow
from mercato.platform.config import Settings
from mercato.platform.db import table_of
from mercato.platform.errors import Conflict, DomainError, NotFound, ValidationFailed
from mercato.platform.outbox import record_event

if TYPE_CHECKING:
    from mercato.cart.ports import CartPorts

log = structlog.get_logger("mercato.cart")


@dataclass(frozen=True)
class CartLineView:
    """A cart line joined with the catalog's current data (never with client-sent data)."""

    id: uuid.UUID
    sku: str
    quantity: int
    product_id: uuid.UUID | None
    variant_id: uuid.UUID | None
    product_title: str
    variant_title: str
    product_slug: str | None
    image_url: str | None
    unit_price: int
    currency: str | None
    weight_grams: int
    available: int
    unavailable: bool
    insufficient_stock: bool

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


def _ttl(settings: Settings, cart: Cart) -> timedelta:
    days = settings.cart.customer_ttl_days if cart.customer_id else settings.cart.guest_ttl_days
    return timedelta(days=days)


def touch(settings: Settings, cart: Cart) -> None:
    """Every change extends the cart's life (sliding expiry)."""
    now = utcnow()
    cart.updated_at = now
    cart.expires_at = now + _ttl(settings, cart)


def quantity_cap(settings: Settings, sku: str) -> int:
    cap = settings.cart.max_quantity_per_line
    return min(cap, settings.cart.sku_quantity_limits.get(sku, cap))


async def create_cart(
    session: AsyncSession, settings: Settings, *, customer_id: uuid.UUID | None
) -> tuple[Cart, bool]:
    """A new cart; a customer who already has an open cart gets that one back (created=False)."""
    if customer_id is not None:
        existing = await _customer_open_cart(session, customer_id)
        if existing is not None:
            return existing, False
    now = utcnow()
    cart = Cart(
        id=uuid.uuid4(),
        customer_id=customer_id,
        status="open",
        created_at=now,
        updated_at=now,
        expires_at=now,
        lines=[],
    )
    touch(settings, cart)
    session.add(cart)
    await session.flush()
    return cart, True


async def _customer_open_cart(session: AsyncSession, customer_id: uuid.UUID) -> Cart | None:
    stmt = (
        select(Cart)
        .where(Cart.customer_id == customer_id, Cart.status == "open", Cart.expires_at > utcnow())
        .order_by(Cart.updated_at.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def get_cart(
    session: AsyncSession,
    cart_id: uuid.UUID,
    *,
    user_id: uuid.UUID | None,
    for_update: bool = False,
) -> Cart:
    """The cart if the caller may see it; 404 when missing, expired or another customer's."""
    stmt = select(Cart).where(Cart.id == cart_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    cart = (await session.execute(stmt)).scalar_one_or_none()
    if cart is None or cart.expires_at <= utcnow() or cart.status == "merged":
        raise NotFound("No such cart.", code="cart_not_found")
    if cart.customer_id is not None and cart.customer_id != user_id:
        raise NotFound("No such cart.", code="cart_not_found")
    return cart


async def get_open_cart(
    session: AsyncSession, cart_id: uuid.UUID, *, user_id: uuid.UUID | None
) -> Cart:
    cart = await get_cart(session, cart_id, user_id=user_id, for_update=True)
    if cart.status != "open":
        raise Conflict(
            "This cart has been checked out; start a new one.",
            code="cart_not_open",
            extra={"order_id": str(cart.order_id) if cart.order_id else None},
        )
    return cart


class _Line(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...


class CartWithLines(Protocol):
    @property
    def lines(self) -> Sequence[_Line]: ...


class CartDetails(CartWithLines, Protocol):
    """What pricing and checkout read of a cart: a `Cart`, or a `ClaimedCart`."""

    @property
    def customer_id(self) -> uuid.UUID | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def shipping_address(self) -> dict[str, Any] | None: ...
    @property
    def billing_address(self) -> dict[str, Any] | None: ...
    @property
    def shipping_method(self) -> str | None: ...
    @property
    def discount_code(self) -> str | None: ...
    @property
    def order_id(self) -> uuid.UUID | None: ...  # what a checked-out cart became


async def line_views(session: AsyncSession, cart: CartWithLines) -> list[CartLineView]:
    variants = await catalog.get_purchasable_variants(session, [line.sku for line in cart.lines])
    return views_of(cart.lines, variants)


def views_of(
    lines: Sequence[_Line], variants: dict[str, catalog.PurchasableVariant]
) -> list[CartLineView]:
    """The lines priced: each with what its SKU is (`variants`), or unavailable if unknown."""
    views: list[CartLineView] = []
    for line in lines:
        v = variants.get(line.sku)
        if v is None:
            views.append(
                CartLineView(
                    id=line.id,
                    sku=line.sku,
                    quantity=line.quantity,
                    product_id=None,
                    variant_id=None,
                    product_title=line.sku,
                    variant_title="",
                    product_slug=None,
                    image_url=None,
                    unit_price=0,
                    currency=None,
                    weight_grams=0,
                    available=0,
                    unavailable=True,
                    insufficient_stock=True,
                )
            )
            continue
        views.append(
            CartLineView(
                id=line.id,
                sku=line.sku,
                quantity=line.quantity,
                product_id=v.product_id,
                variant_id=v.variant_id,
                product_title=v.product_title,
                variant_title=v.variant_title,
                product_slug=v.product_slug,
                image_url=v.image_url,
                unit_price=v.price,
                currency=v.currency,
                weight_grams=v.weight_grams,
                available=max(v.available, 0),
                unavailable=not v.purchasable,
                insufficient_stock=v.available < line.quantity,
            )
        )
    return views


async def add_line(
    session: AsyncSession, settings: Settings, cart: Cart, *, sku: str, quantity: int
) -> CartLine:
    """Add `quantity` of `sku`; an existing line of the SKU is incremented."""

    sku = sku.strip()
    variant = (await catalog.get_purchasable_variants(session, [sku])).get(sku)
    if variant is None:
        raise ValidationFailed(f"Unknown SKU {sku!r}.", code="unknown_sku", extra={"sku": sku})
    if not variant.purchasable:
        raise Conflict(f"{sku!r} is not available.", code="product_unavailable", extra={"sku": sku})
    line = next((item for item in cart.lines if item.sku == sku), None)
    new_quantity = quantity + (line.quantity if line else 0)
    _check_quantity(settings, sku, new_quantity)
    if line is None:
        if len(cart.lines) >= settings.cart.max_lines:
            raise ValidationFailed(
                f"A cart holds at most {settings.cart.max_lines} lines.",
                code="too_many_lines",
                extra={"max_lines": settings.cart.max_lines},
            )
        position = max((item.position for item in cart.lines), default=-1) + 1
        line = CartLine(sku=sku, quantity=new_quantity, position=position, added_at=utcnow())
        cart.lines.append(line)
    else:
        line.quantity = new_quantity
    touch(settings, cart)
    await session.flush()
    return line


def _check_quantity(settings: Settings, sku: str, quantity: int) -> None:
    cap = quantity_cap(settings, sku)
    if quantity < 1 or quantity > cap:
        raise ValidationFailed(
            f"Quantity of {sku!r} must be between 1 and {cap}.",
            code="quantity_limit",
            extra={"sku": sku, "max_quantity": cap},
        )


def _line(cart: Cart, line_id: uuid.UUID) -> CartLine:
    line = next((item for item in cart.lines if item.id == line_id), None)
    if line is None:
        raise NotFound("No such cart line.", code="cart_line_not_found")
    return line


async def update_line(
    session: AsyncSession, settings: Settings, cart: Cart, line_id: uuid.UUID, *, quantity: int
) -> None:
    line = _line(cart, line_id)
    _check_quantity(settings, line.sku, quantity)
    line.quantity = quantity
    touch(settings, cart)
    await session.flush()


async def remove_line(
    session: AsyncSession, settings: Settings, cart: Cart, line_id: uuid.UUID
) -> None:
    cart.lines.remove(_line(cart, line_id))
    touch(settings, cart)
    await session.flush()


async def set_details(session: AsyncSession, settings: Settings, cart: Cart, **values: Any) -> None:
    """Set validated checkout details (email, addresses, shipping method, discount code)."""
    allowed = {"email", "shipping_address", "billing_address", "shipping_method", "discount_code"}
    for key, value in values.items():
        if key not in allowed:
            raise ValueError(key)
        setattr(cart, key, value)
    touch(settings, cart)
    await session.flush()


async def merge_into_customer_cart(
    session: AsyncSession, settings: Settings, cart_id: uuid.UUID, *, user_id: uuid.UUID
) -> Cart:
    """Merge a guest cart into the customer's open cart (or adopt it when there is none).

    Quantities of the same SKU are added and capped at the per-line limit.
    """
    guest = await get_open_cart(session, cart_id, user_id=user_id)
    if guest.customer_id == user_id:
        return guest
    target = await _customer_open_cart(session, user_id)
    if target is None:
        guest.customer_id = user_id
        touch(settings, guest)
        await session.flush()
        return guest
    for line in guest.lines:
        existing = next((item for item in target.lines if item.sku == line.sku), None)
        if existing is not None:
            existing.quantity = min(
                existing.quantity + line.quantity, quantity_cap(settings, line.sku)
            )
        elif len(target.lines) < settings.cart.max_lines:
            position = max((item.position for item in target.lines), default=-1) + 1
            target.lines.append(
                CartLine(
                    sku=line.sku,
                    quantity=min(line.quantity, quantity_cap(settings, line.sku)),
                    position=position,
                    added_at=line.added_at,
                )
            )
    for key in ("email", "shipping_address", "billing_address", "shipping_method", "discount_code"):
        if getattr(target, key) is None and getattr(guest, key) is not None:
            setattr(target, key, getattr(guest, key))
    guest.status = "merged"
    guest.updated_at = utcnow()
    touch(settings, target)
    await session.flush()
    return target


@dataclass(frozen=True)
class ClaimedLine:
    id: uuid.UUID
    sku: str
    quantity: int


@dataclass(frozen=True)
class ClaimedCart:
    """A cart claimed for one checkout: what the order is made from, as it was claimed."""

    id: uuid.UUID
    customer_id: uuid.UUID | None
    email: str | None
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    shipping_method: str | None
    discount_code: str | None
    lines: list[ClaimedLine]
    variants: dict[str, catalog.PurchasableVariant]  # what its SKUs are, as the claim read them
    order_id: uuid.UUID | None = None  # no order yet: the claim is what makes it

    def views(self) -> list[CartLineView]:
        """Its lines priced (`line_views`) from what the claim read, without reading again."""
        return views_of(self.lines, self.variants)


@functools.cache
def _claim_statement() -> Update:
    """open -> checked_out for the caller's own unexpired cart, returning what checkout reads.
    Built once; the UPDATE is also the cart's row lock for the rest of the transaction."""
    carts = table_of(Cart)
    return (
        update(carts)
        .where(
            carts.c.id == bindparam("cart_id"),
            carts.c.status == "open",
            carts.c.expires_at > bindparam("now"),
            or_(carts.c.customer_id.is_(None), carts.c.customer_id == bindparam("user_id")),
        )
        .values(
            status="checked_out", order_id=bindparam("claim_order_id"), updated_at=bindparam("now")
        )
        .returning(
            carts.c.customer_id,
            carts.c.email,
            carts.c.shipping_address,
            carts.c.billing_address,
            carts.c.shipping_method,
            carts.c.discount_code,
        )
    )


@functools.cache
def _claimed_lines_statement() -> Select[uuid.UUID, str, int]:
    lines = table_of(CartLine)
    return catalog.with_purchasable(
        select(lines.c.id, lines.c.sku, lines.c.quantity)
        .where(lines.c.cart_id == bindparam("cart_id"))
        .order_by(lines.c.position, lines.c.id),
        lines.c.sku,
    )


async def claim_for_checkout(
    session: AsyncSession, cart_id: uuid.UUID, *, user_id: uuid.UUID | None, order_id: uuid.UUID
) -> ClaimedCart:
    """open -> checked_out, atomically: a cart becomes at most one order at a time. 404 for a
    cart the caller may not see (as `get_cart`), 409 `cart_not_open` for one already taken."""
    now = utcnow()
    row = (
        await session.execute(
            _claim_statement(),
            {"cart_id": cart_id, "now": now, "user_id": user_id, "claim_order_id": order_id},
        )
    ).first()
    if row is None:
        await get_open_cart(session, cart_id, user_id=user_id)  # raises the reason
        raise Conflict("This cart has already been checked out.", code="cart_not_open")
    lines: list[ClaimedLine] = []
    variants: dict[str, catalog.PurchasableVariant] = {}
    # The lines and what their SKUs are, in one statement.
    for line in await session.execute(_claimed_lines_statement(), {"cart_id": cart_id}):
        line_id, sku, quantity = line[:3]
        lines.append(ClaimedLine(line_id, sku, quantity))
        variant = catalog.purchasable_from(line[3:])
        if variant is not None:
            variants[sku] = variant
    customer_id, email, shipping_address, billing_address, shipping_method, discount_code = row
    return ClaimedCart(
        cart_id,
        customer_id,
        email,
        shipping_address,
        billing_address,
        shipping_method,
        discount_code,
        lines,
        variants,
    )


# --------------------------------------------------------------------------- periodic jobs


async def purge_expired_carts(container: CartPorts) -> int:
    """Delete carts past their expiry (their lines go with them). Returns how many."""
    async with container.db.session() as session:
        result = await session.execute(
            delete(Cart)
            .where(Cart.expires_at <= utcnow())
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def send_abandoned_cart_reminders(container: CartPorts) -> int:
    """Record one AbandonedCartReminder per idle customer cart, for customers who opted in."""
    settings = container.settings
    now = utcnow()
    idle_since = now - timedelta(hours=settings.cart.abandoned_after_hours)
    async with container.db.session(write=False) as session:
        candidates = list(
            (
                await session.scalars(
                    select(Cart.id)
                    .join(CartLine, CartLine.cart_id == Cart.id)
                    .where(
                        Cart.status == "open",
                        Cart.customer_id.is_not(None),
                        Cart.reminder_sent_at.is_(None),
                        Cart.updated_at < idle_since,
                        Cart.expires_at > now,
                    )
                    .group_by(Cart.id)
                    .having(func.count(CartLine.id) > 0)
                    .limit(500)
                )
            ).all()
        )
    sent = 0
    for cart_id in candidates:
        async with container.db.session() as session:
            marked = await session.execute(
                update(Cart)
                .where(Cart.id == cart_id, Cart.reminder_sent_at.is_(None), Cart.status == "open")
                .values(reminder_sent_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if getattr(marked, "rowcount", 0) != 1:
                continue  # another scheduler run took it
            cart = await session.get(Cart, cart_id)
            if cart is None or cart.customer_id is None:
                continue
            try:
                user = await accounts.get_authenticated_user(session, cart.customer_id)
            except DomainError:
                continue  # closed account: marked, never reminded
            if not user.marketing_consent:
                continue
            views = await line_views(session, cart)
            record_event(
                session,
                "AbandonedCartReminder",
                {
                    "cart_id": str(cart.id),
                    "email": user.email,
                    "full_name": user.full_name,
                    "lines": [{"title": v.product_title, "quantity": v.quantity} for v in views],
                    "cart_url": f"{settings.storefront_url.rstrip('/')}/cart?cart_id={cart.id}",
                },
            )
            sent += 1
    return sent


async def delete_carts_for_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """On account closure the customer's carts (addresses, email) are deleted."""
    await session.execute(
        delete(Cart).where(Cart.customer_id == user_id).execution_options(synchronize_session=False)
    )


def register_account_hooks() -> None:
    """Delete the customer's carts on account closure (idempotent; done at import)."""
    account_hooks.register_anonymiser("carts", delete_carts_for_user)


register_account_hooks()
