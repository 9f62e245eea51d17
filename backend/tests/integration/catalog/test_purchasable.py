"""The catalog's contract with cart/checkout: purchasable variants by SKU."""

from __future__ import annotations

from mercato.bootstrap import Container
from mercato.catalog import service as catalog
from mercato.inventory import service as inventory
from tests.factories import create_product


async def test_purchasable_variants(container: Container) -> None:
    product = await create_product(
        container,
        title="Linen shirt",
        price=4999,
        skus=["LIN-S", "LIN-M"],
        stock={"LIN-S": 3, "LIN-M": 0},
        images=["/media/linen.svg"],
    )
    draft = await create_product(container, skus=["DRAFT-1"], status="draft")
    async with container.db.session() as session:
        await inventory.reserve(session, {"LIN-S": 1}, reference="o")
    async with container.db.session(write=False) as session:
        found = await catalog.get_purchasable_variants(session, ["LIN-S", "LIN-M", "DRAFT-1", "X"])
    assert set(found) == {"LIN-S", "LIN-M", "DRAFT-1"}
    small = found["LIN-S"]
    assert small.product_id == product.id
    assert small.product_title == "Linen shirt"
    assert small.product_slug == "linen-shirt"
    assert small.variant_title == "V1"
    assert (small.price, small.currency, small.weight_grams) == (4999, "EUR", 500)
    assert small.available == 2
    assert small.purchasable is True
    assert small.image_url == "/media/linen.svg"
    assert found["LIN-M"].available == 0
    assert found["DRAFT-1"].purchasable is False
    assert found["DRAFT-1"].product_id == draft.id
