"""Test data factories shared by every suite (add your module's factories below these)."""

from __future__ import annotations

import uuid
from typing import Any

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


# --------------------------------------------------------------------------- catalog / inventory


async def create_product(
    container: Container,
    *,
    title: str | None = None,
    price: int = 1999,
    currency: str = "EUR",
    stock: int | dict[str, int] | None = 10,
    skus: list[str] | None = None,
    status: str = "active",
    weight_grams: int = 500,
    compare_at_price: int | None = None,
    category_id: uuid.UUID | None = None,
    brand: str = "Mercato",
    description: str = "",
    option_name: str = "Size",
    images: list[str] | None = None,
) -> Any:
    """A product with one variant per SKU (options `Size: V1..Vn`) and stock, via the services.

    `stock` is the on-hand count for every SKU, or a dict per SKU; None creates no stock row.
    Returns the catalog `Product` (with `.variants` loaded).
    """
    from mercato.catalog import service as catalog_service
    from mercato.catalog.schemas import ImageInput, ProductCreate, VariantCreate

    suffix = uuid.uuid4().hex[:8]
    skus = skus or [f"SKU-{suffix}".upper()]
    variants = []
    for index, sku in enumerate(skus):
        on_hand = stock.get(sku) if isinstance(stock, dict) else stock
        variants.append(
            VariantCreate(
                sku=sku,
                price=price,
                compare_at_price=compare_at_price,
                weight_grams=weight_grams,
                options={option_name: f"V{index + 1}"} if len(skus) > 1 else {},
                stock=on_hand,
            )
        )
    data = ProductCreate(
        title=title or f"Test product {suffix}",
        status=status,
        brand=brand,
        description=description,
        category_id=category_id,
        variants=variants,
        images=[ImageInput(url=url, alt="") for url in (images or [])],
    )
    async with container.db.session() as session:
        product = await catalog_service.create_product(session, data, currency=currency)
    return product
