"""A small, known catalog for the listing tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mercato.bootstrap import Container
from mercato.catalog import service
from mercato.catalog.schemas import CategoryCreate, CollectionCreate, ProductCreate, VariantCreate


@dataclass
class Shop:
    categories: dict[str, object]
    products: dict[str, object]


def _variants(
    prefix: str, price: int, sizes: list[str], colours: list[str], stock: int
) -> list[VariantCreate]:
    return [
        VariantCreate(
            sku=f"{prefix}-{size}-{colour}".upper(),
            price=price,
            options={"Size": size, "Colour": colour},
            stock=stock,
            weight_grams=300,
        )
        for size in sizes
        for colour in colours
    ]


async def build_shop(container: Container) -> Shop:
    async with container.db.session() as session:
        clothing = await service.create_category(session, CategoryCreate(name="Clothing"))
        shirts = await service.create_category(
            session, CategoryCreate(name="Shirts", parent_id=clothing.id)
        )
        trousers = await service.create_category(
            session, CategoryCreate(name="Trousers", parent_id=clothing.id)
        )
        shoes = await service.create_category(session, CategoryCreate(name="Shoes"))
        await service.create_collection(session, CollectionCreate(title="Summer"))
    specs = [
        ("Linen Shirt", shirts.id, 4500, ["S", "M"], ["White", "Blue"], 5, ["summer"]),
        ("Oxford Shirt", shirts.id, 5900, ["M", "L"], ["Blue"], 0, []),
        ("Flannel Shirt", shirts.id, 3900, ["L"], ["Red"], 2, []),
        ("Chino Trousers", trousers.id, 7900, ["M"], ["Beige"], 3, ["summer"]),
        ("Running Shoes", shoes.id, 12900, ["42", "43"], ["Black"], 4, []),
        ("Leather Boots", shoes.id, 21900, ["42"], ["Brown"], 1, []),
    ]
    products = {}
    async with container.db.session() as session:
        for title, category_id, price, sizes, colours, stock, collections in specs:
            prefix = "".join(w[:3] for w in title.split())
            product = await service.create_product(
                session,
                ProductCreate(
                    title=title,
                    status="active",
                    brand="Mercato",
                    description=f"<p>A fine {title.lower()} for every day.</p>",
                    category_id=category_id,
                    variants=_variants(prefix, price, sizes, colours, stock),
                    collections=collections,
                ),
                currency="EUR",
            )
            products[title] = product
        await service.create_product(
            session,
            ProductCreate(
                title="Secret Draft Shirt",
                status="draft",
                category_id=shirts.id,
                variants=[VariantCreate(sku="DRAFT-1", price=100, stock=5)],
            ),
            currency="EUR",
        )
    return Shop(
        categories={"clothing": clothing, "shirts": shirts, "trousers": trousers, "shoes": shoes},
        products=products,
    )


@pytest.fixture
async def shop(container: Container) -> Shop:
    return await build_shop(container)
