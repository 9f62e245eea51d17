"""Cart endpoints. They live in checkout because every cart response carries checkout's quote
(totals, shipping, discount): checkout uses cart, never the other way round."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.accounts.dependencies import CurrentUser, OptionalUser
from mercato.cart import service
from mercato.cart.models import Cart
from mercato.cart.schemas import (
    CartLineCreate,
    CartLineRead,
    CartLineUpdate,
    CartRead,
    ShippingSelectionRead,
)
from mercato.checkout import service as checkout
from mercato.checkout.ports import CheckoutDep, CheckoutPorts
from mercato.checkout.schemas import (
    CartAddressUpdate,
    DiscountCodeApply,
    ShippingMethodSelect,
    ShippingOptionList,
    ShippingOptionRead,
)
from mercato.platform.addresses import address_rule_countries
from mercato.platform.deps import SessionDep, client_ip
from mercato.platform.money import Money

router = APIRouter(prefix="/carts", tags=["cart"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such cart (or another customer's)"}
}


async def _read(session: AsyncSession, container: CheckoutPorts, cart: Cart) -> CartRead:
    views = await service.line_views(session, cart)
    quote = await checkout.quote_cart(session, container, cart, views)
    cur = quote.currency
    totals = quote.totals
    return CartRead(
        id=cart.id,
        status=cart.status,
        customer_id=cart.customer_id,
        order_id=cart.order_id,
        currency=cur,
        email=cart.email,
        shipping_address=cart.shipping_address,
        billing_address=cart.billing_address,
        shipping_method=(
            ShippingSelectionRead(
                code=quote.shipping.code,
                name=quote.shipping.name,
                price=Money(amount=quote.shipping.amount, currency=cur),
            )
            if quote.shipping
            else None
        ),
        discount_code=cart.discount_code,
        lines=[
            CartLineRead(
                id=v.id,
                sku=v.sku,
                quantity=v.quantity,
                product_title=v.product_title,
                variant_title=v.variant_title,
                product_slug=v.product_slug,
                image_url=v.image_url,
                unit_price=Money(amount=v.unit_price, currency=cur),
                line_total=Money(amount=v.line_total, currency=cur),
                available=v.available,
                max_quantity=service.quantity_cap(container.settings, v.sku),
                unavailable=v.unavailable,
                insufficient_stock=v.insufficient_stock,
            )
            for v in views
        ],
        item_count=sum(v.quantity for v in views),
        subtotal=Money(amount=totals.subtotal, currency=cur),
        discount_total=Money(amount=totals.discount_total, currency=cur),
        shipping_total=Money(amount=totals.shipping_total, currency=cur),
        tax_total=Money(amount=totals.tax_total, currency=cur),
        total=Money(amount=totals.total, currency=cur),
        prices_include_tax=totals.prices_include_tax,
        problems=quote.problems,
        expires_at=cart.expires_at,
    )


def _uid(user: object | None) -> uuid.UUID | None:
    return getattr(user, "id", None)


@router.post(
    "",
    operation_id="createCart",
    summary="Create a cart (or get the signed-in customer's open cart)",
    status_code=status.HTTP_201_CREATED,
    response_model=CartRead,
    responses={200: {"model": CartRead, "description": "The signed-in customer's open cart"}},
)
async def create_cart(
    response: Response, session: SessionDep, container: CheckoutDep, user: OptionalUser
) -> CartRead:
    """A new cart (201). A signed-in customer with an open cart gets that cart back (200)."""
    cart, created = await service.create_cart(session, container.settings, customer_id=_uid(user))
    if not created:
        response.status_code = status.HTTP_200_OK
    return await _read(session, container, cart)


@router.get(
    "/{cart_id}",
    operation_id="getCart",
    summary="A cart with its lines and totals",
    response_model=CartRead,
    responses=_NOT_FOUND,
)
async def get_cart(
    cart_id: uuid.UUID, session: SessionDep, container: CheckoutDep, user: OptionalUser
) -> CartRead:
    cart = await service.get_cart(session, cart_id, user_id=_uid(user))
    return await _read(session, container, cart)


@router.post(
    "/{cart_id}/lines",
    operation_id="addCartLine",
    summary="Add a SKU to a cart",
    status_code=status.HTTP_201_CREATED,
    response_model=CartRead,
    responses={
        **_NOT_FOUND,
        409: {"description": "cart_not_open, product_unavailable, too_many_lines, quantity_limit"},
    },
)
async def add_line(
    cart_id: uuid.UUID,
    body: CartLineCreate,
    session: SessionDep,
    container: CheckoutDep,
    user: OptionalUser,
) -> CartRead:
    cart = await service.get_open_cart(session, cart_id, user_id=_uid(user))
    await service.add_line(session, container.settings, cart, sku=body.sku, quantity=body.quantity)
    return await _read(session, container, cart)


@router.patch(
    "/{cart_id}/lines/{line_id}",
    operation_id="updateCartLine",
    summary="Change a cart line's quantity",
    response_model=CartRead,
    responses={
        **_NOT_FOUND,
        409: {"description": "cart_not_open, product_unavailable, quantity_limit"},
    },
)
async def update_line(
    cart_id: uuid.UUID,
    line_id: uuid.UUID,
    body: CartLineUpdate,
    session: SessionDep,
    container: CheckoutDep,
    user: OptionalUser,
) -> CartRead:
    cart = await service.get_open_cart(session, cart_id, user_id=_uid(user))
    await service.update_line(session, container.settings, cart, line_id, quantity=body.quantity)
    return await _read(session, container, cart)


@router.delete(
    "/{cart_id}/lines/{line_id}",
    operation_id="removeCartLine",
    summary="Remove a line from a cart",
    response_model=CartRead,
    responses={**_NOT_FOUND, 409: {"description": "cart_not_open"}},
)
async def remove_line(
    cart_id: uuid.UUID,
    line_id: uuid.UUID,
    session: SessionDep,
    container: CheckoutDep,
    user: OptionalUser,
) -> CartRead:
    cart = await service.get_open_cart(session, cart_id, user_id=_uid(user))
    await service.remove_line(session, container.settings, cart, line_id)
    return await _read(session, container, cart)


@router.put(
    "/{cart_id}/address",
    operation_id="setCartAddress",
    summary="Set the email and addresses of a cart",
    response_model=CartRead,
    dependencies=[Depends(address_rule_countries)],  # the body's address rules
    responses={**_NOT_FOUND, 409: {"description": "cart_not_open"}},
)
async def set_address(
    cart_id: uuid.UUID,
    body: CartAddressUpdate,
    session: SessionDep,
    container: CheckoutDep,
    user: OptionalUser,
) -> CartRead:
    cart = await service.get_open_cart(session, cart_id, user_id=_uid(user))
    await checkout.set_address(
        session,
        container,
        cart,
        email=str(body.email),
        shipping_address=body.shipping_address,
        billing_address=body.billing_address,
        same_as_shipping=body.same_as_shipping,
    )
    return await _read(session, container, cart)


@router.get(
    "/{cart_id}/shipping-options",
    operation_id="listShippingOptions",
    summary="Shipping options for a cart's address",
    response_model=ShippingOptionList,
    responses={**_NOT_FOUND, 409: {"description": "address_required"}},
)
async def shipping_options(
    cart_id: uuid.UUID, session: SessionDep, container: CheckoutDep, user: OptionalUser
) -> ShippingOptionList:
    cart = await service.get_cart(session, cart_id, user_id=_uid(user))
    items = [
        ShippingOptionRead(
            code=q.code,
            name=q.name,
            price=Money(amount=q.amount, currency=q.currency),
            zone=q.zone,
            min_days=q.min_days,
            max_days=q.max_days,
        )
        for q in await checkout.shipping_options(session, container, cart)
    ]
    return ShippingOptionList(items=items, next_cursor=None)


@router.put(
    "/{cart_id}/shipping-method",
    operation_id="setShippingMethod",
    summary="Choose a cart's shipping method",
    response_model=CartRead,
    responses={**_NOT_FOUND, 409: {"description": "cart_not_open"}},
)
async def set_shipping_method(
    cart_id: uuid.UUID,
    body: ShippingMethodSelect,
    session: SessionDep,
    container: CheckoutDep,
    user: OptionalUser,
) -> CartRead:
    cart = await service.get_open_cart(session, cart_id, user_id=_uid(user))
    await checkout.set_shipping_method(session, container, cart, body.code)
    return await _read(session, container, cart)


@router.post(
    "/{cart_id}/discount-codes",
    operation_id="applyDiscountCode",
    summary="Apply a discount code to a cart",
    response_model=CartRead,
    responses={
        **_NOT_FOUND,
        409: {"description": "cart_not_open, discount_exhausted, discount_not_active, ..."},
        429: {"description": "rate_limited: too many unknown codes from this address"},
    },
)
async def apply_discount_code(
    cart_id: uuid.UUID,
    body: DiscountCodeApply,
    session: SessionDep,
    container: CheckoutDep,
    user: OptionalUser,
    ip: Annotated[str, Depends(client_ip)],
) -> CartRead:
    cart = await service.get_open_cart(session, cart_id, user_id=_uid(user))
    await checkout.apply_discount_code(
        session, container, cart, body.code, customer_id=_uid(user), ip=ip
    )
    return await _read(session, container, cart)


@router.delete(
    "/{cart_id}/discount-codes",
    operation_id="removeDiscountCode",
    summary="Remove the discount code from a cart",
    response_model=CartRead,
    responses={**_NOT_FOUND, 409: {"description": "cart_not_open"}},
)
async def remove_discount_code(
    cart_id: uuid.UUID, session: SessionDep, container: CheckoutDep, user: OptionalUser
) -> CartRead:
    cart = await service.get_open_cart(session, cart_id, user_id=_uid(user))
    await checkout.remove_discount_code(session, container, cart)
    return await _read(session, container, cart)


@router.post(
    "/{cart_id}/merge",
    operation_id="mergeCart",
    summary="Merge a guest cart into the signed-in customer's cart",
    response_model=CartRead,
    responses={**_NOT_FOUND, 409: {"description": "cart_not_open"}},
)
async def merge_cart(
    cart_id: uuid.UUID, session: SessionDep, container: CheckoutDep, user: CurrentUser
) -> CartRead:
    """Merge a guest cart into the signed-in customer's cart (call it right after login).
    Returns the customer's cart, which the storefront should keep from now on."""
    cart = await service.merge_into_customer_cart(
        session, container.settings, cart_id, user_id=user.id
    )
    return await _read(session, container, cart)
