"""POST /checkout (Idempotency-Key required) and the countries checkout ships to."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from mercato.accounts.dependencies import OptionalClaims
from mercato.checkout import service
from mercato.checkout.ports import CheckoutDep
from mercato.checkout.schemas import (
    CheckoutRead,
    CheckoutRequest,
    ShippingCountriesRead,
    ShippingCountryRead,
)
from mercato.platform.deps import required_header
from mercato.platform.errors import ValidationFailed

router = APIRouter(tags=["checkout"])


@router.post(
    "/checkout",
    operation_id="checkout",
    summary="Place the order for a cart and start its payment (Idempotency-Key)",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckoutRead,
    responses={
        404: {"description": "cart_not_found"},
        409: {"description": "insufficient_stock, cart_not_open, request_in_progress, ..."},
        422: {"description": "idempotency_key_mismatch, checkout_incomplete, ..."},
        428: {"description": "Idempotency-Key missing"},
        503: {"description": "Payment provider or database busy (Retry-After)"},
    },
)
async def checkout(
    request: Request,
    body: CheckoutRequest,
    container: CheckoutDep,
    claims: OptionalClaims,
    idempotency_key: Annotated[
        str | None,
        required_header(
            "Idempotency-Key",
            "A unique key per checkout attempt (e.g. a UUID); retries reuse it. Missing: 428.",
        ),
    ] = None,
) -> JSONResponse:
    """Place the order for a cart and start its payment.

    Runs its own transactions (the key claim, then the order), so it takes no request session.
    The same key and body replay the first response; a different body is 422.
    """
    if len(request.headers.getlist("idempotency-key")) > 1:
        # Proxies may pick either copy: two keys could mean two orders for one checkout.
        raise ValidationFailed(
            "Send exactly one Idempotency-Key header.", code="invalid_idempotency_key"
        )
    result = await service.place_order(
        container,
        cart_id=body.cart_id,
        user_id=claims.user_id if claims else None,
        idempotency_key=idempotency_key,
        body=body.model_dump(mode="json"),
    )
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return JSONResponse(result.body, status_code=result.status, headers=headers)


@router.get(
    "/shipping/countries",
    operation_id="listShippingCountries",
    summary="The countries checkout accepts for shipping and billing addresses",
    response_model=ShippingCountriesRead,
)
async def shipping_countries(container: CheckoutDep, response: Response) -> ShippingCountriesRead:
    """Configuration only (no personal data), so it may be cached for a few minutes."""
    response.headers["Cache-Control"] = "public, max-age=300"
    countries = service.shipping_countries(container)
    return ShippingCountriesRead(
        items=[country.code for country in countries],
        countries=[ShippingCountryRead(**asdict(country)) for country in countries],
        next_cursor=None,
    )
