"""Checkout: addresses, shipping options, discount codes, totals and placing the order.

`place_order` is the money path. The `Idempotency-Key` is claimed in its own short transaction
(a unique row per scope and key); then ONE transaction validates the cart, computes the totals,
reserves the stock, redeems the discount, creates the order, starts the payment, records
`OrderPlaced`, marks the cart checked out and stores the response under the key. Any failure
rolls all of it back and gives the key up, so a retry runs again; a success is replayed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import (
    Update,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from mercato.accounts import service as accounts
from mercato.cart import service as cart_service
from mercato.cart.models import Cart
from mercato.cart.service import CartDetails, CartLineView
from mercato.catalog import freshness
from mercato.checkout import demand
from mercato.checkout.models import IdempotencyKey
from mercato.checkout.pricing import DiscountRule, PricedLine, Totals, compute_totals, tax_rate_for
from mercato.checkout.providers.port import ShippingQuote, ShippingRateProvider, ShippingRateRequest
from mercato.checkout.providers.table_rate import TableRateProvider
from mercato.checkout.schemas import Address
from mercato.checkout.stock_gate import Hold
from mercato.discounts import service as discounts
from mercato.discounts.models import DiscountCode
from mercato.inventory import service as inventory
from mercato.inventory.exceptions import InsufficientStock
from mercato.orders import service as orders
from mercato.payments import service as payments
from mercato.platform.addresses import CountryForm, country_form, normalize_address
from mercato.platform.clock import utcnow
from mercato.platform.db import insert_statement, table_of
from mercato.platform.emails import check_email, normalize_email
from mercato.platform.errors import (
    Conflict,
    DomainError,
    NotFound,
    PreconditionRequired,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from mercato.platform.ids import new_id, new_token
from mercato.platform.metrics import CHECKOUT_STOCKOUTS
from mercato.platform.money import DEFAULT_CURRENCY
from mercato.platform.outbox import record_event

if TYPE_CHECKING:
    from mercato.checkout.ports import CheckoutPorts

log = structlog.get_logger("mercato.checkout")

MAX_IDEMPOTENCY_KEY_LENGTH = 255
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock timeout


def shipping_provider(container: CheckoutPorts) -> ShippingRateProvider:
    provider = getattr(container, "shipping_rates", None)
    if provider is not None:
        return provider  # type: ignore[no-any-return]
    settings = container.settings.checkout
    return TableRateProvider(settings.shipping_zones, settings.shipping_methods)


# --------------------------------------------------------------------------- details


def allowed_countries(container: CheckoutPorts) -> list[str]:
    """The configured countries addresses may be in (upper case, sorted, no duplicates)."""
    return sorted({code.upper() for code in container.settings.checkout.allowed_countries})


def shipping_countries(container: CheckoutPorts) -> list[CountryForm]:
    """The allowed countries (sorted by code), each with what its address form needs."""
    return [country_form(code) for code in allowed_countries(container)]


async def set_address(
    session: AsyncSession,
    container: CheckoutPorts,
    cart: Cart,
    *,
    email: str,
    shipping_address: Address,
    billing_address: Address | None,
    same_as_shipping: bool,
) -> None:
    email = normalize_email(email)
    check_email(email)  # the rule registration applies: a guest email could also register
    allowed = container.settings.checkout.allowed_countries
    shipping = normalize_address(
        shipping_address.model_dump(), allowed_countries=allowed, field="shipping_address"
    )
    billing = shipping
    if not same_as_shipping and billing_address is not None:
        # billing addresses may be anywhere we accept, but must still be well-formed
        billing = normalize_address(
            billing_address.model_dump(), allowed_countries=allowed, field="billing_address"
        )
    await cart_service.set_details(
        session,
        container.settings,
        cart,
        email=email,
        shipping_address=shipping,
        billing_address=billing,
    )


def _shop_currency(views: list[CartLineView]) -> str:
    return next((v.currency for v in views if v.currency), DEFAULT_CURRENCY)


async def shipping_options(
    session: AsyncSession, container: CheckoutPorts, cart: Cart
) -> list[ShippingQuote]:
    if not cart.shipping_address:
        raise Conflict("Set a shipping address first.", code="address_required")
    views = await cart_service.line_views(session, cart)
    return await _quotes(container, cart, views)


async def _quotes(
    container: CheckoutPorts, cart: CartDetails, views: list[CartLineView]
) -> list[ShippingQuote]:
    address = cart.shipping_address or {}
    buyable = [v for v in views if not v.unavailable]
    return await shipping_provider(container).quote(
        ShippingRateRequest(
            country=str(address.get("country") or ""),
            region=address.get("region"),
            postal_code=address.get("postal_code"),
            weight_grams=sum(v.weight_grams * v.quantity for v in buyable),
            subtotal=sum(v.line_total for v in buyable),
            currency=_shop_currency(views),
        )
    )


async def set_shipping_method(
    session: AsyncSession, container: CheckoutPorts, cart: Cart, code: str
) -> ShippingQuote:
    options = await shipping_options(session, container, cart)
    chosen = next((q for q in options if q.code == code), None)
    if chosen is None:
        raise ValidationFailed(
            f"No shipping method {code!r} for this address.",
            code="unknown_shipping_method",
            extra={"available": [q.code for q in options]},
        )
    await cart_service.set_details(session, container.settings, cart, shipping_method=code)
    return chosen


# --------------------------------------------------------------------------- discounts


async def apply_discount_code(
    session: AsyncSession,
    container: CheckoutPorts,
    cart: Cart,
    code: str,
    *,
    customer_id: uuid.UUID | None,
    ip: str,
) -> None:
    """Apply the code to the cart, or raise why not. Unknown codes are counted per client address:
    past `discount_misses_per_ip` in the window every code is a 429 (guessing codes)."""
    config = container.settings.checkout
    limiter, key = container.rate_limiter, f"discount:miss:{ip}"
    window = config.discount_miss_window_seconds
    state = await limiter.peek(key, limit=config.discount_misses_per_ip, window_seconds=window)
    if state.count >= config.discount_misses_per_ip:
        raise RateLimited(
            "Too many unknown discount codes; try again later.", retry_after=state.retry_after
        )
    views = await cart_service.line_views(session, cart)
    discount = await discounts.find_discount(session, code)
    if discount is None:
        await limiter.hit(key, limit=config.discount_misses_per_ip, window_seconds=window)
    problem = await discounts.discount_problem(
        session,
        discount,
        subtotal=sum(v.line_total for v in views if not v.unavailable),
        currency=_shop_currency(views),
        customer_id=customer_id or cart.customer_id,
        email=cart.email,
        now=utcnow(),
    )
    if problem is not None:
        raise problem
    assert discount is not None
    await cart_service.set_details(session, container.settings, cart, discount_code=discount.code)


async def remove_discount_code(session: AsyncSession, container: CheckoutPorts, cart: Cart) -> None:
    await cart_service.set_details(session, container.settings, cart, discount_code=None)


# --------------------------------------------------------------------------- quotes


@dataclass
class CartQuote:
    """The cart priced on the server: totals, the chosen shipping, the discount and problems."""

    currency: str
    totals: Totals
    shipping: ShippingQuote | None
    discount: DiscountCode | None
    problems: list[dict[str, Any]] = field(default_factory=list)
    discount_error: DomainError | None = None


async def quote_cart(
    session: AsyncSession,
    container: CheckoutPorts,
    cart: CartDetails,
    views: list[CartLineView],
    *,
    customer_id: uuid.UUID | None = None,
) -> CartQuote:
    settings = container.settings.checkout
    currency = _shop_currency(views)
    buyable = [v for v in views if not v.unavailable]
    problems: list[dict[str, Any]] = []
    for v in views:
        if v.unavailable:
            problems.append({"code": "product_unavailable", "sku": v.sku})
        elif v.insufficient_stock:
            problems.append({"code": "insufficient_stock", "sku": v.sku, "available": v.available})
    shipping: ShippingQuote | None = None
    if cart.shipping_address and cart.shipping_method:
        options = await _quotes(container, cart, views)
        shipping = next((q for q in options if q.code == cart.shipping_method), None)
        if shipping is None:
            problems.append({"code": "shipping_method_unavailable"})
    discount: DiscountCode | None = None
    discount_error: DomainError | None = None
    if cart.discount_code:
        discount = await discounts.find_discount(session, cart.discount_code)
        problem = await discounts.discount_problem(
            session,
            discount,
            subtotal=sum(v.line_total for v in buyable),
            currency=currency,
            customer_id=customer_id or cart.customer_id,
            email=cart.email,
            now=utcnow(),
            ordered_as=cart.order_id,
        )
        if problem is not None:
            problems.append({"code": problem.code, "discount_code": cart.discount_code})
            discount, discount_error = None, problem
    address = cart.shipping_address or {}
    totals = compute_totals(
        [PricedLine(str(v.id), v.unit_price, v.quantity) for v in buyable],
        shipping=shipping.amount if shipping else 0,
        discount=DiscountRule(discount.kind, discount.value) if discount else None,
        tax_rate_bp=tax_rate_for(settings.tax_rates, address.get("country"), address.get("region")),
        prices_include_tax=settings.prices_include_tax,
        tax_shipping=settings.tax_shipping,
    )
    return CartQuote(currency, totals, shipping, discount, problems, discount_error)


# --------------------------------------------------------------------------- idempotency


def request_hash(scope: str, body: dict[str, Any]) -> str:
    canonical = json.dumps({"scope": scope, "body": body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_idempotency_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise PreconditionRequired(
            "POST /checkout needs an Idempotency-Key header (e.g. a UUID).",
            code="idempotency_key_required",
        )
    key = key.strip()
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise ValidationFailed(
            "The Idempotency-Key must be 1-255 printable ASCII characters.",
            code="invalid_idempotency_key",
        )
    return key


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Claim:
    id: uuid.UUID
    owner: str


@functools.cache
def _complete_statement() -> Update:
    """The claim's completion: only its owner's, only while in progress; built once."""
    keys = table_of(IdempotencyKey)
    return (
        update(keys)
        .where(
            keys.c.id == bindparam("claim_id"),
            keys.c.owner == bindparam("claim_owner"),
            keys.c.status == "in_progress",
        )
        .values(
            status="completed",
            response_status=201,
            response_body=bindparam("body", type_=keys.c.response_body.type),
            completed_at=bindparam("now"),
        )
    )


async def prepare_statements(connection: AsyncConnection) -> None:
    """Run checkout's hot statements that can match nothing once on a pooled connection
    (PostgreSQL: `Database.fill_pool` calls it for each connection it opens, in a transaction it
    rolls back): the refusal reads (alone and a burst's), the cart's claim and its lines' read,
    the key's completion, the stock gate's re-read and the reservation with its rows, in the
    shape of a one-SKU checkout's (one event pending: its `OrderPlaced`). asyncpg prepares a
    statement on each connection at its first use, one round trip more, and SQLAlchemy compiles
    it once per process: a burst right after a start paid for both (ADR 0048). The INSERTs (the
    key's claim, the order, the payment, the intent) cannot run without writing: they stay cold
    until their first checkout on the connection. Writes nothing."""
    await demand.prepare(connection)
    nothing = new_id()
    session = AsyncSession(bind=connection)  # joins the caller's transaction
    try:
        with contextlib.suppress(NotFound):
            await cart_service.claim_for_checkout(session, nothing, user_id=None, order_id=nothing)
        await session.execute(
            _complete_statement(),
            {"claim_id": nothing, "claim_owner": "", "body": None, "now": utcnow()},
        )
        with session.no_autoflush:  # as in a checkout: its event goes with the reservation
            record_event(session, "CheckoutWarmUp", {})
            await inventory.prepare_statements(session)
    finally:
        session.expunge_all()  # the pending event is never written
        await session.close()


async def _claim_key(
    container: CheckoutPorts, *, scope: str, key: str, digest: str
) -> Claim | StoredResponse:
    """Claim the key in its own short transaction, or report why not (replay / 409 / 422)."""
    settings = container.settings.checkout
    for _ in range(3):
        owner = new_token(16)
        claim_id = new_id()
        try:
            # One INSERT, its own transaction (the unique key decides who owns the key).
            async with container.db.one_write() as connection:
                now = utcnow()
                await connection.execute(
                    # built once, Core: the ORM's bulk-insert path cost more than the INSERT
                    insert_statement(table_of(IdempotencyKey)),
                    {
                        "id": claim_id,
                        "scope": scope,
                        "key": key,
                        "request_hash": digest,
                        "status": "in_progress",
                        "owner": owner,
                        "locked_at": now,
                        "created_at": now,
                    },
                )
            return Claim(claim_id, owner)
        except IntegrityError:
            pass
        async with container.db.session() as session:
            row = (
                await session.scalars(
                    select(IdempotencyKey).where(
                        IdempotencyKey.scope == scope, IdempotencyKey.key == key
                    )
                )
            ).first()
            if row is None:
                continue  # given up in between: claim again
            now = utcnow()
            if row.created_at < now - timedelta(hours=settings.idempotency_ttl_hours):
                await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
                continue
            if row.request_hash != digest:
                raise ValidationFailed(
                    "This Idempotency-Key was used with a different request.",
                    code="idempotency_key_mismatch",
                )
            if row.status == "completed" and row.response_body is not None:
                return StoredResponse(row.response_status or 201, row.response_body)
            if row.locked_at < now - timedelta(seconds=settings.idempotency_lock_seconds):
                new_owner = new_token(16)
                taken = await session.execute(
                    update(IdempotencyKey)
                    .where(
                        IdempotencyKey.id == row.id,
                        IdempotencyKey.owner == row.owner,
                        IdempotencyKey.status == "in_progress",
                    )
                    .values(owner=new_owner, locked_at=now)
                    .execution_options(synchronize_session=False)
                )
                if getattr(taken, "rowcount", 0) == 1:
                    return Claim(row.id, new_owner)
            raise Conflict(
                "A request with this Idempotency-Key is in progress; retry shortly.",
                code="request_in_progress",
                headers={"Retry-After": "1"},
            )
    raise Conflict(
        "A request with this Idempotency-Key is in progress; retry shortly.",
        code="request_in_progress",
        headers={"Retry-After": "1"},
    )


async def _give_up_claim(container: CheckoutPorts, claim: Claim) -> None:
    try:
        async with container.db.session() as session:
            await session.execute(
                delete(IdempotencyKey).where(
                    IdempotencyKey.id == claim.id,
                    IdempotencyKey.owner == claim.owner,
                    IdempotencyKey.status == "in_progress",
                )
            )
    except DBAPIError as exc:  # the lock expires on its own; a retry can then take it over
        log.warning("idempotency_release_failed", error=str(exc.orig))


def _encrypt_secret(container: CheckoutPorts, body: dict[str, Any]) -> dict[str, Any]:
    """The stored copy never holds the client secret in clear (encrypted with the SecretBox)."""
    stored: dict[str, Any] = json.loads(json.dumps(body))
    payment = stored.get("payment")
    if isinstance(payment, dict) and payment.get("client_secret"):
        payment["client_secret"] = container.secret_box.encrypt(payment["client_secret"])
        payment["client_secret_encrypted"] = True
    return stored


def _decrypt_secret(container: CheckoutPorts, stored: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(stored))
    payment = body.get("payment")
    if isinstance(payment, dict) and payment.pop("client_secret_encrypted", False):
        payment["client_secret"] = container.secret_box.decrypt(payment["client_secret"])
    return body


# --------------------------------------------------------------------------- place the order


@dataclass(frozen=True)
class CheckoutResult:
    status: int
    body: dict[str, Any]
    replayed: bool


async def place_order(
    container: CheckoutPorts,
    *,
    cart_id: uuid.UUID,
    user_id: uuid.UUID | None,
    idempotency_key: str | None,
    body: dict[str, Any],
    admission: Admission | None = None,
) -> CheckoutResult:
    """Place the order. `admission`: the stock gate's word already given for this very request
    (the edge's lane, `checkout/lane.py`, read and waited before calling); its holder releases
    it. Without one (or one for another request) this reads and waits itself."""
    key = validate_idempotency_key(idempotency_key)
    scope = _key_scope(user_id)
    digest = request_hash(scope, body)
    gate = container.stock_gate
    try:
        own = admission is None or not admission.is_for(cart_id, user_id, key)
        if own:
            admission = await admit(container, cart_id=cart_id, user_id=user_id, key=key)
        hold = admission.hold if admission is not None else None
        try:
            return await _claim_and_place(
                container,
                hold=hold,
                cart_id=cart_id,
                user_id=user_id,
                scope=scope,
                key=key,
                digest=digest,
                customer_note=body.get("customer_note"),
            )
        except InsufficientStock as exc:
            if hold is not None:
                gate.lost(exc)  # lost to another process: learn what is left
            raise
        finally:
            if own and hold is not None:
                gate.release(hold)  # synchronous: a cancelled request cannot leave it behind
    except DomainError as exc:
        if exc.code in ("insufficient_stock", "product_unavailable"):
            CHECKOUT_STOCKOUTS.labels(exc.code).inc()
        raise


def _key_scope(user_id: uuid.UUID | None) -> str:
    return f"user:{user_id}" if user_id else "guest"


@dataclass(frozen=True)
class Admission:
    """The stock gate's hold for one checkout request (its cart, buyer and key)."""

    cart_id: uuid.UUID
    user_id: uuid.UUID | None
    key: str
    hold: Hold

    def is_for(self, cart_id: uuid.UUID, user_id: uuid.UUID | None, key: str) -> bool:
        return (self.cart_id, self.user_id, self.key) == (cart_id, user_id, key)


async def admit(
    container: CheckoutPorts, *, cart_id: uuid.UUID, user_id: uuid.UUID | None, key: str
) -> Admission | None:
    """The refusal read, then the stock gate: InsufficientStock for a buyer turned away; an
    admission (release its hold when the checkout has ended) for a cart the read found in stock;
    None for the rest (a replayed key, a cart that is missing, closed or unavailable goes the
    whole way unhindered)."""
    demand = await _refuse_when_sold_out(
        container, cart_id=cart_id, user_id=user_id, scope=_key_scope(user_id), key=key
    )
    if demand is None:
        return None
    hold = await container.stock_gate.admit(demand.wanted, demand.available, demand.seen_at)
    return Admission(cart_id, user_id, key, hold)


async def _claim_and_place(
    container: CheckoutPorts,
    *,
    hold: Hold | None,
    cart_id: uuid.UUID,
    user_id: uuid.UUID | None,
    scope: str,
    key: str,
    digest: str,
    customer_note: str | None,
) -> CheckoutResult:
    claim = await _claim_key(container, scope=scope, key=key, digest=digest)
    if isinstance(claim, StoredResponse):
        return CheckoutResult(claim.status, _decrypt_secret(container, claim.body), True)
    try:
        response = await _place_order_once(
            container,
            claim=claim,
            hold=hold,
            cart_id=cart_id,
            user_id=user_id,
            payment_key=f"checkout-{hashlib.sha256(f'{scope}:{key}'.encode()).hexdigest()[:40]}",
            customer_note=customer_note,
        )
    except DBAPIError as exc:
        await _give_up_claim(container, claim)
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if sqlstate in _RETRYABLE_SQLSTATES:
            raise ServiceUnavailable(
                "The shop is busy; retry shortly.", code="database_busy", retry_after=1
            ) from exc
        raise
    except BaseException:
        await _give_up_claim(container, claim)
        raise
    return CheckoutResult(201, response, False)


@dataclass(frozen=True)
class Demand:
    """What a cart asks for and what its read saw available, per SKU."""

    wanted: dict[str, int]
    available: dict[str, int]
    seen_at: int  # the stock gate's stamp when the read began


async def _refuse_when_sold_out(
    container: CheckoutPorts, *, cart_id: uuid.UUID, user_id: uuid.UUID | None, scope: str, key: str
) -> Demand | None:
    """Answer the losers of a race at once: one read (a burst's reads go together, see
    `checkout.demand`), no write transaction, no lock, when the cart asks for more than is
    available now. Anything else (a key seen before, whose answer must be replayed; a missing,
    closed or unavailable cart) goes the whole way (None), and there the conditional
    reservation stays the authority. A cart in stock gives its demand, for the stock gate."""
    seen_at = container.stock_gate.stamp()
    now = utcnow()
    seen, rows = await container.demand_reads.read(container.db, cart_id, scope, key)
    if not rows or seen:
        return None
    first = rows[0]
    if first.customer_id is not None and first.customer_id != user_id:
        return None  # another customer's cart: the whole way answers 404
    if first.status != "open" or first.expires_at <= now:
        return None
    if any(row.sku is None or not row.purchasable for row in rows):
        return None  # an empty cart, an unknown or unavailable product: the whole way says so
    wanted: dict[str, int] = {}
    available: dict[str, int] = {}
    for row in rows:
        wanted[row.sku] = wanted.get(row.sku, 0) + int(row.quantity)
        available[row.sku] = max(int(row.available), 0)
    for sku, quantity in wanted.items():
        if quantity > available[sku]:
            raise InsufficientStock(sku, quantity, available[sku])
    return Demand(wanted, available, seen_at)


@dataclass(frozen=True)
class HotRows:
    """What a checkout takes of the rows every buyer of a product shares."""

    items: dict[str, int]  # per SKU, the units to reserve
    slugs: dict[str, str | None]  # per SKU, its product's slug (for the catalog cache)
    order_id: uuid.UUID
    actor: str
    hold: Hold | None
    discount: DiscountCode | None
    discount_amount: int
    customer_id: uuid.UUID | None
    email: str


async def _take_hot_rows(session: AsyncSession, rows: HotRows) -> None:
    """Reserve the stock, then count the discount code's use (the lock order of a cancellation).

    Last in the transaction, once everything else is written: on PostgreSQL each of these rows
    stays locked from its UPDATE to the commit, and every buyer of the product waits for it, so
    a flash sale's checkouts overlap up to here and queue only for the UPDATE and the commit.
    The conditional UPDATE stays the authority: a loser fails here and the transaction, the
    order's rows with it, rolls back."""
    freshness.note_slugs(session, rows.slugs)  # no slug lookup while the level is locked
    with session.no_autoflush:  # the outbox rows they cause go in one INSERT, not one per SKU
        left = await inventory.reserve(
            session, rows.items, reference=f"order:{rows.order_id}", actor=rows.actor
        )
        if rows.hold is not None:
            rows.hold.left_after_commit = left
        if rows.discount is not None:
            await discounts.redeem(
                session,
                rows.discount,
                order_id=rows.order_id,
                customer_id=rows.customer_id,
                email=rows.email,
                amount=rows.discount_amount,
            )


def _full_name(address: dict[str, Any]) -> str:
    return f"{address.get('first_name') or ''} {address.get('last_name') or ''}".strip()


def _checkout_problem(views: list[CartLineView], cart: CartDetails, email: str | None) -> None:
    if not views:
        raise ValidationFailed("The cart is empty.", code="cart_empty")
    unavailable = [v.sku for v in views if v.unavailable]
    if unavailable:
        raise Conflict(
            "Some products in the cart are no longer available.",
            code="product_unavailable",
            extra={"skus": unavailable},
        )
    missing = [
        name
        for name, value in (
            ("email", email),
            ("shipping_address", cart.shipping_address),
            ("billing_address", cart.billing_address),
            ("shipping_method", cart.shipping_method),
        )
        if not value
    ]
    if missing:
        raise ValidationFailed(
            "The checkout is incomplete.", code="checkout_incomplete", extra={"missing": missing}
        )


async def _place_order_once(
    container: CheckoutPorts,
    *,
    claim: Claim,
    hold: Hold | None,
    cart_id: uuid.UUID,
    user_id: uuid.UUID | None,
    payment_key: str,
    customer_note: str | None,
) -> dict[str, Any]:

    settings = container.settings
    async with container.db.session() as session:
        user = await accounts.get_authenticated_user(session, user_id) if user_id else None
        order_id = new_id()
        cart = await cart_service.claim_for_checkout(
            session, cart_id, user_id=user_id, order_id=order_id
        )
        email = cart.email or (user.email if user else None)
        views = cart.views()  # read with the claim
        _checkout_problem(views, cart, email)
        assert email is not None
        assert cart.shipping_address is not None
        assert cart.billing_address is not None
        customer_id = user.id if user else cart.customer_id
        quote = await quote_cart(session, container, cart, views, customer_id=customer_id)
        if quote.shipping is None:
            raise ValidationFailed(
                "The chosen shipping method is not available for this cart.",
                code="unknown_shipping_method",
            )
        if quote.discount_error is not None:
            raise quote.discount_error

        items: dict[str, int] = {}
        for v in views:
            items[v.sku] = items.get(v.sku, 0) + v.quantity
        totals = quote.totals
        hot_rows = HotRows(
            items=items,
            slugs={v.sku: v.product_slug for v in views},
            order_id=order_id,
            actor=f"checkout:{claim.id}",
            hold=hold,
            discount=quote.discount,
            discount_amount=totals.discount_total + totals.shipping_discount,  # what it gave
            customer_id=customer_id,
            email=email,
        )
        address = cart.shipping_address
        by_id = {str(v.id): v for v in views}
        order_url = orders.guest_order_url(settings, order_id)  # also where to pay again
        order = await orders.create_order(
            session,
            settings,
            orders.OrderDraft(
                id=order_id,
                customer_id=customer_id,
                email=email,
                customer_name=_full_name(address),
                cart_id=cart.id,
                currency=quote.currency,
                subtotal=totals.subtotal,
                discount_total=totals.discount_total,
                shipping_total=totals.shipping_total,
                tax_total=totals.tax_total,
                total=totals.total,
                prices_include_tax=totals.prices_include_tax,
                shipping_address=address,
                billing_address=cart.billing_address,
                shipping_method={
                    "code": quote.shipping.code,
                    "name": quote.shipping.name,
                    "zone": quote.shipping.zone,
                    "price": quote.shipping.amount,
                    "tax": totals.shipping_tax,
                },
                discount_code=quote.discount.code if quote.discount else None,
                customer_note=customer_note,
                retry_url=order_url,
                lines=[
                    orders.OrderLineDraft(
                        sku=by_id[line.key].sku,
                        product_id=by_id[line.key].product_id,
                        variant_id=by_id[line.key].variant_id,
                        product_title=by_id[line.key].product_title,
                        variant_title=by_id[line.key].variant_title,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        subtotal=line.subtotal,
                        discount_amount=line.discount,
                        tax_rate_bp=totals.tax_rate_bp,
                        tax_amount=line.tax,
                        total=line.total,
                    )
                    for line in totals.lines
                ],
            ),
        )
        payment: dict[str, Any] | None = None
        if order.total > 0:
            started = await payments.start_payment(
                session,
                container,
                order_id=order.id,
                amount=order.total,
                currency=order.currency,
                email=order.email,
                idempotency_key=payment_key,
            )
            payment = {
                "provider": started.provider,
                "intent_id": started.intent_id,
                "client_secret": started.client_secret,
                "status": started.status,
            }
        else:  # fully discounted: nothing to charge (the new order is not in the session)
            await _take_hot_rows(session, hot_rows)  # the sale is final now: reserve, then commit
            order = await orders.lock_order(session, order.id)
            await orders.mark_paid(
                session, order, amount=0, provider="none", reference=str(order.id)
            )
        record_event(
            session,
            "OrderPlaced",
            {
                "order_id": str(order.id),
                "order_number": order.number,
                "email": order.email,
                "customer_name": order.customer_name,
                "currency": order.currency,
                "subtotal": order.subtotal,
                "discount_total": order.discount_total,
                "shipping_total": order.shipping_total,
                "tax_total": order.tax_total,
                "total": order.total,
                "prices_include_tax": order.prices_include_tax,
                "discount_code": order.discount_code,
                "shipping_method": {  # the listed price: a free-shipping code waived the rest
                    "name": order.shipping_method.get("name"),
                    "price": order.shipping_method.get("price"),
                },
                "lines": [
                    {
                        "sku": line.sku,
                        "title": " - ".join(
                            t for t in (line.product_title, line.variant_title) if t
                        ),
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "line_total": line.total,
                    }
                    for line in order.lines
                ],
                "shipping_address": order.shipping_address,
                "order_url": order_url,
            },
        )
        body = orders.to_read(order).model_dump(mode="json")
        body["payment"] = payment
        body["order_token"] = orders.order_token(settings, order.id)
        body["order_url"] = order_url
        with session.no_autoflush:  # the event goes in the commit's INSERT with the stock's
            completed = await session.execute(
                _complete_statement(),
                {
                    "claim_id": claim.id,
                    "claim_owner": claim.owner,
                    "body": _encrypt_secret(container, body),
                    "now": utcnow(),
                },
            )
        if getattr(completed, "rowcount", 0) != 1:
            raise Conflict(
                "A request with this Idempotency-Key is in progress; retry shortly.",
                code="request_in_progress",
                headers={"Retry-After": "1"},
            )
        if payment is not None:  # (a free order took them before it was marked paid)
            await _take_hot_rows(session, hot_rows)
    if hold is not None:
        hold.committed = True  # the session committed: what the reservation left is now true
    log.info("order_placed", order_id=str(order.id), order_number=order.number, total=order.total)
    return body
