"""Stored product cards (ADR 0055) are the cards the catalog's rows give, after every kind of
write that changes what a card shows, in the writing transaction itself: product and variant
edits, images, category renames and deletions, stock crossing sold out (checkout, adjustments,
bulk receipts), imports and the demo seed; under concurrent writers on PostgreSQL too. A
missing card, or one in another currency, is computed instead."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update

from mercato.bootstrap import Container
from mercato.catalog import cards, importer, service
from mercato.catalog.models import Product, ProductCard
from mercato.catalog.schemas import ProductUpdate
from mercato.demo.catalog import seed
from mercato.inventory import service as inventory
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import checkout, expect, ready_cart


async def _stored_and_computed(container: Container) -> tuple[dict[str, str], dict[str, str]]:
    """Every stored card in the shop's currency, and every product's card computed now."""
    async with container.db.session(write=False) as session:
        stored = {
            str(product_id): doc
            for product_id, doc in await session.execute(
                select(ProductCard.product_id, ProductCard.doc).where(ProductCard.currency == "EUR")
            )
        }
        ids = list(await session.scalars(select(Product.id)))
        computed = {
            card["id"]: cards.dump(card).decode()
            for card in await cards.computed(session, ids, "EUR")
        }
    return stored, computed


async def _assert_current(container: Container) -> dict[str, Any]:
    stored, computed = await _stored_and_computed(container)
    assert stored == computed
    return {key: json.loads(doc) for key, doc in stored.items()}


@pytest.fixture
async def staff(container: Container) -> dict[str, str]:
    """A staff member's headers, writing over whatever version is current."""
    return {**auth_headers(container, await create_user(container, role="staff")), "If-Match": "*"}


async def test_product_variant_and_image_edits_store_the_card_again(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str]
) -> None:
    lamp = await create_product(container, title="Desk Lamp", price=3900, skus=["L-1", "L-2"])
    await create_product(container, title="Floor Lamp", price=8900)
    shown = await _assert_current(container)
    assert shown[str(lamp.id)]["title"] == "Desk Lamp"
    admin = "/api/v1/admin"

    category = await client.post(f"{admin}/categories", json={"name": "Lamps"}, headers=staff)
    assert category.status_code == 201, category.text
    edits = [
        ("PATCH", f"{admin}/products/{lamp.id}", {"title": "Desk Lamp Pro", "brand": "Lumen"}),
        ("PATCH", f"{admin}/products/{lamp.id}", {"category_id": category.json()["id"]}),
        (
            "PATCH",
            f"{admin}/products/{lamp.id}",
            {"images": [{"url": "/media/lamp.jpg", "alt": "The lamp"}]},
        ),
        ("PATCH", f"{admin}/variants/{lamp.variants[0].id}", {"compare_at_price": 5900}),
        ("PATCH", f"{admin}/variants/{lamp.variants[1].id}", {"price": 2500}),
        (
            "POST",
            f"{admin}/products/{lamp.id}/variants",
            {"sku": "L-3", "price": 1900, "options": {"Size": "V3"}, "stock": 0},
        ),
        ("DELETE", f"{admin}/variants/{lamp.variants[1].id}", None),
        ("PATCH", f"{admin}/products/{lamp.id}", {"status": "draft"}),
    ]
    for method, path, body in edits:
        response = await client.request(method, path, json=body, headers=staff)
        assert response.status_code < 300, (path, response.text)
        await _assert_current(container)
    card = (await _assert_current(container))[str(lamp.id)]
    assert (card["title"], card["brand"], card["category"]["name"]) == (
        "Desk Lamp Pro",
        "Lumen",
        "Lamps",
    )
    assert card["image"]["url"] == "/media/lamp.jpg"
    assert card["compare_at_price"]["amount"] == 5900

    upload = await client.post(
        f"{admin}/products/{lamp.id}/images",
        files={"file": ("front.png", _PNG, "image/png")},
        data={"alt": "Front"},
        headers=staff,
    )
    assert upload.status_code == 201, upload.text
    await _assert_current(container)

    deleted = await client.delete(f"{admin}/products/{lamp.id}", headers=staff)
    assert deleted.status_code == 204
    assert str(lamp.id) not in await _assert_current(container)


_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


async def test_a_category_renamed_or_deleted_is_on_every_card_in_it(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str]
) -> None:
    made = await client.post("/api/v1/admin/categories", json={"name": "Lamps"}, headers=staff)
    category_id = uuid.UUID(made.json()["id"])
    for n in range(3):
        await create_product(container, title=f"Lamp {n}", category_id=category_id)
    await create_product(container, title="Rug")
    renamed = await client.patch(
        f"/api/v1/admin/categories/{category_id}",
        json={"name": "Lights", "slug": "lights"},
        headers=staff,
    )
    assert renamed.status_code == 200, renamed.text
    shown = await _assert_current(container)
    assert (
        sorted(card["category"]["slug"] for card in shown.values() if card["category"] is not None)
        == ["lights"] * 3
    )
    gone = await client.delete(f"/api/v1/admin/categories/{category_id}", headers=staff)
    assert gone.status_code == 204, gone.text
    shown = await _assert_current(container)
    assert all(card["category"] is None for card in shown.values())


async def test_stock_crossing_sold_out_either_way_is_on_the_card(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str]
) -> None:
    lamp = await create_product(container, title="Last Lamp", skus=["LL-1", "LL-2"], stock=1)
    await create_product(container, title="Other Lamp", stock=5)

    async def in_stock() -> bool:
        return bool((await _assert_current(container))[str(lamp.id)]["in_stock"])

    # one SKU sold out by a checkout: the product still has the other
    expect(await checkout(client, await ready_cart(client, {"LL-1": 1})), 201)
    assert await in_stock()
    # the last unit of the product: sold out on its stored card, in the checkout's transaction
    expect(await checkout(client, await ready_cart(client, {"LL-2": 1})), 201)
    assert not await in_stock()
    listed = await client.get("/api/v1/products", params={"limit": 10})
    assert {i["slug"]: i["in_stock"] for i in listed.json()["items"]}["last-lamp"] is False
    # stock takes bring it back, take it away (one unit of LL-1 is still reserved by the unpaid
    # order) and bring it back again
    for on_hand, expected in ((3, True), (1, False), (3, True)):
        adjusted = await client.post(
            "/api/v1/admin/inventory/LL-1/adjustments",
            json={"on_hand": on_hand, "reason": "count"},
            headers=staff,
        )
        assert adjusted.status_code < 300, adjusted.text
        assert await in_stock() is expected
    # a stock take through the service, not the API
    async with container.db.session() as session:
        await inventory.adjust(session, "LL-1", -2, reason="damaged", actor="test")
    assert not await in_stock()


async def test_a_missing_card_or_one_in_another_currency_is_computed(
    client: httpx.AsyncClient, container: Container
) -> None:
    for n in range(4):
        await create_product(container, title=f"Lamp {n}", price=1000 + n)
    before = await client.get("/api/v1/products", params={"limit": 10, "facets": "false"})
    listed = await client.get("/api/v1/products", params={"limit": 10})
    page = await client.get("/api/v1/products/lamp-0")
    assert len(page.json()["related"]) == 3
    async with container.db.session() as session:
        first, second = list(await session.scalars(select(ProductCard.product_id).limit(2)))
        await session.execute(delete(ProductCard).where(ProductCard.product_id == first))
        await session.execute(
            update(ProductCard).where(ProductCard.product_id == second).values(currency="USD")
        )
    await container.catalog_cache.invalidate(["products"])
    for params in ({"limit": "10", "facets": "false"}, {"limit": "10"}):
        again = await client.get("/api/v1/products", params=params)
        assert again.headers["x-cache"] == "MISS"
        assert again.content == (before if "facets" in params else listed).content
    again = await client.get("/api/v1/products/lamp-0")
    assert (again.headers["x-cache"], again.content) == ("MISS", page.content)
    searched = await client.get("/api/v1/products", params={"q": "lamp", "limit": 10})
    assert len(searched.json()["items"]) == 4
    assert await cards.store_all(container.db, "EUR") == 4
    await _assert_current(container)


async def test_imports_and_the_demo_seed_store_every_card(
    container: Container,
) -> None:
    await seed(container, products=40, seed_value=3)
    shown = await _assert_current(container)
    assert len(shown) == 40
    csv = (
        "slug,title,status,sku,price,stock,option1_name,option1_value\n"
        "imported-lamp,Imported Lamp,active,IMP-1,1500,0,Size,S\n"
        "imported-lamp,Imported Lamp,active,IMP-2,1700,4,Size,M\n"
    )
    report = await importer.import_bytes(container, csv.encode(), kind="csv", actor="test")
    assert report.errors == [], report.errors
    shown = await _assert_current(container)
    imported = [card for card in shown.values() if card["slug"] == "imported-lamp"]
    assert len(imported) == 1
    assert imported[0]["in_stock"] is True


async def test_concurrent_writers_leave_the_card_as_the_rows_are(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str]
) -> None:
    """Title and price edits racing a stock take that crosses sold out, on one product, round
    after round: on PostgreSQL each writer locks the stored card before it computes it, so the
    last to commit sees the others' commits."""
    lamp = await create_product(container, title="Race Lamp", skus=["RL-1"], stock=1)
    admin = "/api/v1/admin"
    for round_no in range(20):
        writes = [
            client.patch(
                f"{admin}/products/{lamp.id}",
                json={"title": f"Race Lamp {round_no}"},
                headers=staff,
            ),
            client.post(
                f"{admin}/inventory/RL-1/adjustments",
                json={"on_hand": (round_no + 1) % 2, "reason": "race"},
                headers=staff,
            ),
            client.patch(
                f"{admin}/variants/{lamp.variants[0].id}",
                json={"compare_at_price": 5000 + round_no},
                headers=staff,
            ),
        ]
        for response in await asyncio.gather(*writes):
            assert response.status_code < 300, response.text
        card = (await _assert_current(container))[str(lamp.id)]
        assert (card["title"], card["in_stock"]) == (f"Race Lamp {round_no}", round_no % 2 == 0)


async def test_a_card_computed_while_its_stock_sells_out_is_not_stored_stale(
    container: Container,
) -> None:
    """The narrow window, forced: a title edit has computed its card (in stock) and is about to
    store it when a stock take sells the product out. The stock take must wait for the edit's
    commit (PostgreSQL: the card's lock; SQLite: the write lock), then set `in_stock` on the
    card the edit stored."""
    lamp = await create_product(container, title="Window Lamp", skus=["WL-1"], stock=1)
    paused, go = asyncio.Event(), asyncio.Event()

    async def edit_title() -> None:
        async with container.db.session() as session:
            execute = session.execute
            dialect = session.get_bind().dialect.name

            async def pausing(statement: Any, *args: Any, **kwargs: Any) -> Any:
                if statement is cards._upsert_statement(dialect):
                    paused.set()
                    await go.wait()
                return await execute(statement, *args, **kwargs)

            session.execute = pausing  # type: ignore[method-assign]
            await service.update_product(
                session, lamp.id, ProductUpdate(title="Renamed Lamp"), expected_version=None
            )

    async def sell_out() -> None:
        async with container.db.session() as session:
            await inventory.set_on_hand(session, "WL-1", 0, reason="count", actor="test")

    editing = asyncio.create_task(edit_title())
    await asyncio.wait_for(paused.wait(), 10)
    selling = asyncio.create_task(sell_out())
    await asyncio.sleep(0.3)  # time to commit, were it not made to wait
    go.set()
    await asyncio.wait_for(asyncio.gather(editing, selling), 20)
    card = (await _assert_current(container))[str(lamp.id)]
    assert (card["title"], card["in_stock"]) == ("Renamed Lamp", False)


async def test_two_skus_selling_out_at_once_leave_the_product_sold_out(
    container: Container,
) -> None:
    """Each of a product's two SKUs sold out by its own transaction, the second while the first
    has set the card but not committed: the second must see the first's commit before it sets
    `in_stock` (PostgreSQL: it locks the card first, then reads)."""
    lamp = await create_product(container, title="Pair Lamp", skus=["PL-1", "PL-2"], stock=1)
    paused, go = asyncio.Event(), asyncio.Event()

    async def sell_out(sku: str, pause: bool) -> None:
        async with container.db.session() as session:
            execute = session.execute

            async def pausing(statement: Any, *args: Any, **kwargs: Any) -> Any:
                result = await execute(statement, *args, **kwargs)
                if pause and statement is cards._restock_statement():
                    paused.set()
                    await go.wait()
                return result

            session.execute = pausing  # type: ignore[method-assign]
            await inventory.set_on_hand(session, sku, 0, reason="count", actor="test")

    first = asyncio.create_task(sell_out("PL-1", pause=True))
    await asyncio.wait_for(paused.wait(), 10)
    second = asyncio.create_task(sell_out("PL-2", pause=False))
    await asyncio.sleep(0.3)  # the second reaches the card and waits for the first's lock
    go.set()
    await asyncio.wait_for(asyncio.gather(first, second), 20)
    card = (await _assert_current(container))[str(lamp.id)]
    assert card["in_stock"] is False
