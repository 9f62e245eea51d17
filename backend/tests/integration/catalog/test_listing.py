"""GET /products: filters, sorting, facets, keyset pagination, search; detail, tree, collection."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx
import pytest

from mercato.bootstrap import Container
from mercato.catalog import service as catalog_service
from mercato.catalog.schemas import CategoryCreate, Money, ProductPage, ProductRead, VariantUpdate
from tests.factories import auth_headers, create_product, create_user
from tests.integration.catalog.conftest import Shop

URL = "/api/v1/products"


def titles(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_default_listing_hides_drafts_and_sorts_newest_first(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    got = titles(await client.get(URL))
    assert got == list(reversed(list(shop.products)))
    assert "Secret Draft Shirt" not in got
    item = (await client.get(URL, params={"limit": 1})).json()["items"][0]
    assert item["price"] == {"amount": 21900, "currency": "EUR"}
    assert item["category"]["slug"] == "shoes"


async def test_filters(client: httpx.AsyncClient, shop: Shop) -> None:
    by = {"sort": "name"}
    assert titles(await client.get(URL, params={**by, "category": "clothing"})) == [
        "Chino Trousers",
        "Flannel Shirt",
        "Linen Shirt",
        "Oxford Shirt",
    ]
    assert titles(await client.get(URL, params={**by, "category": "shirts"})) == [
        "Flannel Shirt",
        "Linen Shirt",
        "Oxford Shirt",
    ]
    assert titles(await client.get(URL, params={**by, "category": "nope"})) == []
    assert titles(await client.get(URL, params={**by, "price_min": 4000, "price_max": 8000})) == [
        "Chino Trousers",
        "Linen Shirt",
        "Oxford Shirt",
    ]
    assert titles(await client.get(URL, params={**by, "in_stock": "true"})) == [
        "Chino Trousers",
        "Flannel Shirt",
        "Leather Boots",
        "Linen Shirt",
        "Running Shoes",
    ]
    assert titles(await client.get(URL, params={**by, "in_stock": "false"})) == ["Oxford Shirt"]
    params = [("option", "colour:Blue"), ("sort", "name")]
    assert titles(await client.get(URL, params=params)) == ["Linen Shirt", "Oxford Shirt"]
    # values of one option are OR-ed, options are AND-ed on the same variant
    params = [("option", "size:L"), ("option", "colour:Blue"), ("option", "colour:Red")]
    assert titles(await client.get(URL, params=[*params, ("sort", "name")])) == [
        "Flannel Shirt",
        "Oxford Shirt",
    ]
    params = [("option", "size:L"), ("option", "colour:Blue"), ("in_stock", "true")]
    assert titles(await client.get(URL, params=params)) == []
    assert titles(await client.get(URL, params={**by, "collection": "summer"})) == [
        "Chino Trousers",
        "Linen Shirt",
    ]


async def test_sorting(client: httpx.AsyncClient, shop: Shop) -> None:
    ascending = titles(await client.get(URL, params={"sort": "price_asc"}))
    assert ascending[0] == "Flannel Shirt"
    assert ascending[-1] == "Leather Boots"
    descending = titles(await client.get(URL, params={"sort": "price_desc"}))
    assert descending == list(reversed(ascending))
    assert titles(await client.get(URL, params={"sort": "name"})) == sorted(shop.products)


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "name", "relevance"])
async def test_pagination_visits_every_product_once(
    client: httpx.AsyncClient, shop: Shop, sort: str
) -> None:
    seen: list[str] = []
    cursor = None
    params: dict[str, str | int] = {"sort": sort, "limit": 2}
    if sort == "relevance":
        params["q"] = "shirt"
    while True:
        response = await client.get(
            URL, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        seen += titles(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    expected = 3 if sort == "relevance" else len(shop.products)
    assert len(seen) == len(set(seen)) == expected


async def test_paging_while_products_are_inserted_has_no_duplicates_or_gaps(
    client: httpx.AsyncClient, container: Container, shop: Shop
) -> None:
    for n in range(10):
        await create_product(container, title=f"Filler {n:02d}", price=1000 + n * 10)
    original = set(titles(await client.get(URL, params={"limit": 100})))
    for sort in ("newest", "price_asc", "name"):
        seen: list[str] = []
        cursor = None
        inserted = 0
        while True:
            query = {"sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}
            page, _ = await asyncio.gather(
                client.get(URL, params=query),
                create_product(container, title=f"Live {sort} {inserted}", price=1000 + inserted),
            )
            inserted += 1
            seen += titles(page)
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), "a product was returned twice"
        assert original <= set(seen), "a product that existed throughout was skipped"


async def test_facets(client: httpx.AsyncClient, shop: Shop) -> None:
    body = (await client.get(URL, params={"facets": "true", "category": "clothing"})).json()
    facets = body["facets"]
    categories = {f["value"]: f["count"] for f in facets["categories"]}
    assert categories == {"clothing": 4, "shirts": 3, "trousers": 1}
    sizes = {f["value"]: f["count"] for f in facets["options"]["size"]}
    assert sizes == {"S": 1, "M": 3, "L": 2}
    colours = {f["value"]: f["count"] for f in facets["options"]["colour"]}
    assert colours == {"White": 1, "Blue": 2, "Red": 1, "Beige": 1}
    price = {f["value"]: f["count"] for f in facets["price"]}
    assert price == {"0-2500": 0, "2500-5000": 2, "5000-10000": 2, "10000-20000": 0, "20000-": 0}
    assert (await client.get(URL)).json()["facets"] is None


async def test_search_relevance_typos_and_stemming(
    client: httpx.AsyncClient, container: Container, shop: Shop
) -> None:
    await create_product(container, title="Shirt", description="The plain shirt.")
    assert titles(await client.get(URL, params={"q": "shirt"}))[0] == "Shirt"
    assert titles(await client.get(URL, params={"q": "Linen Shirt"}))[0] == "Linen Shirt"
    # a one-letter typo still finds it, and says what it searched for
    typo = await client.get(URL, params={"q": "flanel"})
    assert titles(typo) == ["Flannel Shirt"]
    assert typo.json()["corrected_query"] == "flannel"
    assert titles(await client.get(URL, params={"q": "bots"})) == ["Leather Boots"]
    # stemming and prefixes
    assert set(titles(await client.get(URL, params={"q": "shirts"}))) >= {"Linen Shirt", "Shirt"}
    assert titles(await client.get(URL, params={"q": "trous"})) == ["Chino Trousers"]
    assert titles(await client.get(URL, params={"q": "run"})) == ["Running Shoes"]
    # filters combine with search; nonsense finds nothing; drafts are never found
    assert titles(await client.get(URL, params={"q": "shirt", "in_stock": "false"})) == [
        "Oxford Shirt"
    ]
    assert titles(await client.get(URL, params={"q": "zzqxv"})) == []
    assert titles(await client.get(URL, params={"q": "secret"})) == []
    # hostile query syntax is just text
    for hostile in ('"', "shirt AND NOT", "*", "a:*|!b", "' OR 1=1 --", "NEAR(x y)"):
        assert (await client.get(URL, params={"q": hostile})).status_code == 200


async def test_search_as_typed_is_never_corrected(client: httpx.AsyncClient, shop: Shop) -> None:
    """`as_typed=true` searches the words as they are: no correction, no `corrected_query`;
    stemming and prefixes stay. Each answer is cached under its own URL."""
    corrected = await client.get(URL, params={"q": "flanel"})
    assert titles(corrected) == ["Flannel Shirt"]
    assert corrected.json()["corrected_query"] == "flannel"
    for _ in range(2):  # computed, then cached apart from the corrected answer
        literal = await client.get(URL, params={"q": "flanel", "as_typed": "true"})
        assert titles(literal) == []
        assert literal.json()["corrected_query"] is None
    assert literal.headers["x-cache"] == "HIT"
    again = await client.get(URL, params={"q": "flanel"})
    assert again.json()["corrected_query"] == "flannel"
    explicit = await client.get(URL, params={"q": "flanel", "as_typed": "false"})
    assert explicit.json() == corrected.json()
    # the general path too (a filter, another sort), and the empty facets a storefront reads
    for extra in ({"category": "shirts"}, {"sort": "price_asc"}, {"facets": "true"}):
        fixed = (await client.get(URL, params={"q": "flanel", **extra})).json()
        assert fixed["corrected_query"] == "flannel"
        assert [i["title"] for i in fixed["items"]] == ["Flannel Shirt"]
        body = (await client.get(URL, params={"q": "flanel", "as_typed": "true", **extra})).json()
        assert (body["items"], body["next_cursor"], body["corrected_query"]) == ([], None, None)
    nothing = (await client.get(URL, params={"q": "zzqxv", "facets": "true"})).json()
    assert body["facets"] == nothing["facets"]
    # prefixes and stemming are not corrections
    typed = {"as_typed": "true"}
    assert titles(await client.get(URL, params={"q": "flann", **typed})) == ["Flannel Shirt"]
    assert set(titles(await client.get(URL, params={"q": "shirts", **typed}))) == {
        "Flannel Shirt",
        "Linen Shirt",
        "Oxford Shirt",
    }


async def test_search_as_typed_without_a_typo_is_the_same_search(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    """Every page (cursors included) and the facets are the ones the default search gives."""
    cases: list[dict[str, str | int]] = [
        {"q": "shirt"},
        {"q": "Linen Shirt"},
        {"q": "shirt", "limit": 1},
        {"q": "shi", "limit": 2, "facets": "true"},
        {"q": "shirt", "category": "shirts", "limit": 1},
        {"q": "shirt", "sort": "price_desc", "limit": 2},
        {"q": "shirt", "in_stock": "true"},
    ]

    async def pages(params: dict[str, str | int]) -> list[dict[str, Any]]:
        out, cursor = [], None
        while True:
            paged = {**params, "cursor": cursor} if cursor else params
            page = await client.get(URL, params=paged)
            assert page.status_code == 200, page.text
            out.append(page.json())
            if (cursor := page.json()["next_cursor"]) is None:
                return out

    for params in cases:
        default = await pages(params)
        assert await pages({**params, "as_typed": "true"}) == default, params
        assert sum(len(page["items"]) for page in default) > 0, params


async def test_search_as_typed_takes_only_true_or_false(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    for value in ("yes", "1", "0", "True", "TRUE", "on", ""):
        response = await client.get(URL, params={"q": "flanel", "as_typed": value})
        assert response.status_code == 422, value
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation_error"
        assert response.json()["errors"][0]["loc"][-1] == "as_typed", response.json()


async def test_bad_input_is_a_clear_4xx(client: httpx.AsyncClient, shop: Shop) -> None:
    cursor = (await client.get(URL, params={"limit": 2})).json()["next_cursor"]
    forged = base64.urlsafe_b64encode(json.dumps({"s": "newest", "k": 5, "i": "x"}).encode())
    cases: list[dict[str, str | int]] = [
        {"limit": 101},
        {"limit": 0},
        {"cursor": "not-base64!!"},
        {"cursor": forged.decode()},
        {"cursor": cursor, "sort": "price_asc"},  # a cursor belongs to its sort order
        {"price_min": -1},
        {"sort": "random"},
        {"option": "nocolon"},
        {"q": "x" * 201},
    ]

    def forge(key: object, sort: str = "price_asc") -> str:
        raw = json.dumps({"s": sort, "k": key, "i": "00000000-0000-4000-8000-000000000000"})
        return base64.urlsafe_b64encode(raw.encode()).decode()

    cases += [
        {"cursor": forge(10**20), "sort": "price_asc"},
        {"cursor": forge("NaN"), "sort": "price_asc"},
        {"cursor": forge("x\x00", "name"), "sort": "name"},
        {"category": "a\x00b"},
        {"collection": "../x"},
        {"option": "size:\x00"},
    ]
    for params in cases:
        response = await client.get(URL, params=params)
        assert response.status_code in (400, 422), (params, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"


async def test_product_detail(client: httpx.AsyncClient, shop: Shop) -> None:
    response = await client.get(f"{URL}/linen-shirt")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Linen Shirt"
    assert [c["slug"] for c in body["breadcrumbs"]] == ["clothing", "shirts"]
    assert body["options"] == [
        {"name": "Size", "values": ["S", "M"]},
        {"name": "Colour", "values": ["White", "Blue"]},
    ]
    assert {v["title"] for v in body["variants"]} == {
        "S / White",
        "S / Blue",
        "M / White",
        "M / Blue",
    }
    assert all(v["available"] == 5 and v["in_stock"] for v in body["variants"])
    assert all(v["low_stock"] for v in body["variants"])  # 5 left: the default threshold
    sold_out = (await client.get(f"{URL}/oxford-shirt")).json()
    assert not any(v["low_stock"] or v["in_stock"] for v in sold_out["variants"])
    assert body["available"] == 20
    assert body["price"] == {"amount": 4500, "currency": "EUR"}
    assert [r["title"] for r in body["related"]] == ["Flannel Shirt", "Oxford Shirt"]  # newest
    assert body["collections"] == ["summer"]
    assert sold_out["collections"] == []
    assert [c["slug"] for c in sold_out["breadcrumbs"]] == ["clothing", "shirts"]
    assert body["description"] == "<p>A fine linen shirt for every day.</p>"
    assert (await client.get(f"{URL}/secret-draft-shirt")).status_code == 404
    for hostile in ("%00", "a%00b", "..%2f..%2fetc", "x" * 400, "%E2%80%AE"):
        assert (await client.get(f"{URL}/{hostile}")).status_code == 404, hostile
    missing = await client.get(f"{URL}/nope")
    assert missing.status_code == 404
    assert missing.json()["code"] == "product_not_found"


async def test_a_product_page_is_the_product_read_contract(
    client: httpx.AsyncClient, container: Container, shop: Shop
) -> None:
    """Product pages are read as rows and serialised without pydantic (`queries.product_page`):
    the bytes must be exactly what `ProductRead` renders, field by field, for the public page and
    for the admin's (which also shows inactive variants and drafts)."""
    product = await create_product(
        container,
        title="Page Contract",
        skus=["PAGE-A", "PAGE-B", "PAGE-C"],
        stock={"PAGE-A": 0, "PAGE-B": 2, "PAGE-C": 40},
        compare_at_price=2999,
        images=["/media/b.jpg", "/media/a.jpg"],
    )
    async with container.db.session() as session:
        await catalog_service.update_variant(
            session, product.variants[2].id, VariantUpdate(is_active=False), expected_version=None
        )
    response = await client.get(f"{URL}/page-contract")
    assert response.status_code == 200, response.text
    page = ProductRead.model_validate_json(response.content)
    assert response.content == page.model_dump_json().encode()
    assert [v.sku for v in page.variants] == ["PAGE-A", "PAGE-B"]  # the inactive one hidden
    assert [(v.available, v.in_stock, v.low_stock) for v in page.variants] == [
        (0, False, False),
        (2, True, True),
    ]
    assert (page.available, page.in_stock) == (2, True)
    assert [i.url for i in page.images] == ["/media/b.jpg", "/media/a.jpg"]  # by position
    assert page.variants[0].compare_at_price == Money(amount=2999, currency="EUR")
    assert (page.category, page.breadcrumbs, page.editorial) == (None, [], None)
    for slug in ("linen-shirt", "oxford-shirt"):  # a category, collections, related cards
        response = await client.get(f"{URL}/{slug}")
        assert (
            response.content
            == ProductRead.model_validate_json(response.content).model_dump_json().encode()
        )

    staff = auth_headers(container, await create_user(container, role="staff"))
    admin = await client.get(f"/api/v1/admin/products/{product.id}", headers=staff)
    assert admin.status_code == 200, admin.text
    assert admin.headers["etag"] == f'"{page.version}"'
    as_admin = ProductRead.model_validate_json(admin.content)
    assert admin.content == as_admin.model_dump_json().encode()
    assert [(v.sku, v.is_active) for v in as_admin.variants] == [
        ("PAGE-A", True),
        ("PAGE-B", True),
        ("PAGE-C", False),
    ]
    assert as_admin.available == 2  # an inactive variant's stock is not for sale
    assert as_admin.related == []


async def test_etag_and_not_modified(client: httpx.AsyncClient, shop: Shop) -> None:
    first = await client.get(f"{URL}/linen-shirt")
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = await client.get(f"{URL}/linen-shirt", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = await client.get(f"{URL}/linen-shirt", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200
    listing = await client.get(URL)
    assert (
        await client.get(URL, headers={"If-None-Match": listing.headers["etag"]})
    ).status_code == 304


async def test_category_tree_and_collection(client: httpx.AsyncClient, shop: Shop) -> None:
    listed = (await client.get("/api/v1/categories")).json()
    assert listed["next_cursor"] is None  # the whole tree, one page
    tree = listed["items"]
    assert [(n["slug"], n["product_count"]) for n in tree] == [("clothing", 4), ("shoes", 2)]
    clothing = tree[0]
    assert {(c["slug"], c["product_count"]) for c in clothing["children"]} == {
        ("shirts", 3),
        ("trousers", 1),
    }
    collection = await client.get("/api/v1/collections/summer", params={"sort": "name"})
    assert collection.status_code == 200
    assert [p["title"] for p in collection.json()["products"]] == ["Chino Trousers", "Linen Shirt"]
    assert (await client.get("/api/v1/collections/winter")).status_code == 404


async def test_a_card_is_the_product_summary_contract(
    client: httpx.AsyncClient, container: Container
) -> None:
    """List cards are read in one statement and serialised without pydantic (catalog/cards.py):
    the bytes must be exactly what `ProductPage` would render, field by field."""
    async with container.db.session() as session:
        category = await catalog_service.create_category(session, CategoryCreate(name="Cards"))
    await create_product(
        container,
        title="Card Sold Out",
        stock=0,
        compare_at_price=2999,
        category_id=category.id,
        images=["/media/b.jpg", "/media/a.jpg"],
    )
    await create_product(container, title="Card Bare", stock=3, images=[])
    response = await client.get(URL, params={"limit": 2})
    assert response.status_code == 200, response.text
    page = ProductPage.model_validate_json(response.content)
    assert response.content == page.model_dump_json().encode()
    bare, sold_out = page.items
    assert (bare.title, bare.in_stock, bare.image, bare.category) == ("Card Bare", True, None, None)
    assert bare.compare_at_price is None
    assert sold_out.in_stock is False
    assert sold_out.compare_at_price == Money(amount=2999, currency="EUR")
    assert sold_out.image is not None
    assert sold_out.image.url == "/media/b.jpg"  # the first by position, not by name
    assert sold_out.category is not None
    assert sold_out.category.slug == category.slug
