"""The categories and collections an import file names (ADR 0058): a file that carries a
category's path creates the categories the shop lacks; a slug alone must name one the shop has;
a file that disagrees with the shop, or with itself, is refused row by row."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest

from mercato.bootstrap import Container
from tests.factories import auth_headers, create_user
from tests.integration.catalog.conftest import Shop

ADMIN = "/api/v1/admin"
HEADER = ["slug", "title", "status", "category", "category_path", "sku", "price", "stock"]


@pytest.fixture
async def staff(container: Container) -> dict[str, str]:
    return auth_headers(container, await create_user(container, role="staff"))


def node(slug: str, name: str, **more: Any) -> dict[str, Any]:
    return {"slug": slug, "name": name, **more}


def csv_file(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([json.dumps(c) if isinstance(c, list) else c for c in row])
    return out.getvalue().encode()


async def post(
    client: httpx.AsyncClient, staff: dict[str, str], body: bytes, kind: str, partial: bool = False
) -> httpx.Response:
    url = f"{ADMIN}/products/import?format={kind}" + ("&partial=true" if partial else "")
    return await client.post(url, content=body, headers=staff)


async def tree(client: httpx.AsyncClient) -> list[tuple[str, str, int, list[Any]]]:
    def walk(nodes: list[dict[str, Any]]) -> list[Any]:
        return [(n["slug"], n["name"], n["position"], walk(n["children"])) for n in nodes]

    return walk((await client.get("/api/v1/categories")).json()["items"])


def errors(response: httpx.Response) -> list[tuple[int, str | None, str]]:
    return [(e["row"], e["field"], e["message"]) for e in response.json()["errors"]]


async def test_old_files_name_existing_categories_by_slug_and_an_unknown_slug_is_an_error(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop
) -> None:
    before = await tree(client)
    old_csv = (
        b"slug,title,status,category,sku,price,stock\n"
        b"tee,Tee,active,shirts,TEE-1,1500,3\n"
        b"cap,Cap,active,shrits,CAP-1,900,1\n"  # a typo: never a new category
    )
    response = await post(client, staff, old_csv, "csv")
    assert response.status_code == 422, response.text
    [(row, field, message)] = errors(response)
    assert (row, field) == (3, "category")
    assert "unknown category 'shrits'" in message
    assert await tree(client) == before
    ok = await post(client, staff, old_csv.replace(b"shrits", b"shoes"), "csv")
    assert ok.status_code == 200, ok.text
    old_json = [
        {
            "title": "Hat",
            "status": "active",
            "category": "trousers",
            "variants": [{"sku": "HAT-1", "price": 100}],
        },
        {"title": "Sock", "category": "sox", "variants": [{"sku": "SOX-1", "price": 1}]},
    ]
    response = await post(client, staff, json.dumps(old_json).encode(), "json")
    assert response.status_code == 422, response.text
    assert [(r, f) for r, f, _ in errors(response)] == [(2, "category")]
    assert await tree(client) == before
    response = await post(client, staff, json.dumps(old_json[:1]).encode(), "json")
    assert response.status_code == 200, response.text
    for slug, category in (("tee", "shirts"), ("cap", "shoes"), ("hat", "trousers")):
        detail = (await client.get(f"/api/v1/products/{slug}")).json()
        assert detail["category"]["slug"] == category
    assert await tree(client) == before


@pytest.mark.parametrize("kind", ["csv", "json"])
async def test_a_category_path_creates_the_categories_the_shop_lacks(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop, kind: str
) -> None:
    clothing = node("clothing", "Clothing")
    kitchen = node("kitchen", "Kitchen", description="For the kitchen.", position=7)
    mugs = node("mugs", "Mugs")
    rows = [
        # a new branch, under an existing category and at the top level
        [
            "jumper",
            "Jumper",
            "active",
            "knitwear",
            [clothing, node("knitwear", "Knitwear", position=2)],
            "JUMP-1",
            5000,
            2,
        ],
        ["mug", "Mug", "active", "mugs", [kitchen, mugs], "MUG-1", 1200, 4],
        # a slug alone names a category another row declares
        ["cup", "Cup", "active", "mugs", "", "CUP-1", 800, 1],
    ]
    if kind == "csv":
        body = csv_file(rows)
    else:
        items = []
        for slug, title, status, category, path, sku, price, stock in rows:
            item = {
                "slug": slug,
                "title": title,
                "status": status,
                "category": category,
                "variants": [{"sku": sku, "price": price, "stock": stock}],
            }
            if path:
                item["category_path"] = path
            items.append(item)
        body = json.dumps(items).encode()
    response = await post(client, staff, body, kind)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"] == 3
    # knitwear under the shop's clothing, kitchen and mugs at the top level
    assert (report["categories_created"], report["collections_created"]) == (3, 0)
    again = await post(client, staff, body, kind)
    assert again.status_code == 200, again.text
    assert (again.json()["categories_created"], again.json()["collections_created"]) == (0, 0)
    assert await tree(client) == [
        (
            "clothing",
            "Clothing",
            0,
            [
                ("shirts", "Shirts", 0, []),
                ("trousers", "Trousers", 0, []),
                ("knitwear", "Knitwear", 2, []),
            ],
        ),
        ("shoes", "Shoes", 0, []),
        ("kitchen", "Kitchen", 7, [("mugs", "Mugs", 0, [])]),
    ]
    mug = (await client.get("/api/v1/products/mug")).json()
    assert [c["slug"] for c in mug["breadcrumbs"]] == ["kitchen", "mugs"]
    cup = (await client.get("/api/v1/products/cup")).json()
    assert cup["category"]["slug"] == "mugs"
    kitchen_node = (await client.get("/api/v1/categories")).json()["items"][-1]
    assert kitchen_node["description"] == "For the kitchen."
    search = (await client.get("/api/v1/products", params={"q": "kitchen"})).json()
    assert {p["slug"] for p in search["items"]} == {"mug", "cup"}  # its names are searched


async def test_a_file_that_disagrees_with_the_shop_or_itself_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop
) -> None:
    before = await tree(client)
    clothing = node("clothing", "Clothing")
    rows = [
        # the shop's "shirts" is named "Shirts"
        ["a", "A", "active", "shirts", [clothing, node("shirts", "Tops")], "A-1", 1, 1],
        # the shop's "shirts" is under "clothing": a path starts at the top level
        ["b", "B", "active", "shirts", [node("shirts", "Shirts")], "B-1", 1, 1],
        # a parent the shop does not have under this name
        [
            "c",
            "C",
            "active",
            "mugs",
            [node("kitchen", "Kitchen"), node("mugs", "Mugs")],
            "C-1",
            1,
            1,
        ],
        # the same new category, named otherwise
        [
            "d",
            "D",
            "active",
            "mugs",
            [node("kitchen", "Kitchen"), node("mugs", "Cups")],
            "D-1",
            1,
            1,
        ],
        # and placed elsewhere
        ["e", "E", "active", "mugs", [clothing, node("mugs", "Mugs")], "E-1", 1, 1],
        # a path that does not end at the row's category
        ["f", "F", "active", "shoes", [node("kitchen", "Kitchen")], "F-1", 1, 1],
        # not JSON
        ["g", "G", "active", "shoes", "Kitchen > Mugs", "G-1", 1, 1],
        # a category without a name
        ["h", "H", "active", "pans", [node("kitchen", "Kitchen"), {"slug": "pans"}], "H-1", 1, 1],
    ]
    response = await post(client, staff, csv_file(rows), "csv")
    assert response.status_code == 422, response.text
    assert response.json()["written"] is False
    found = errors(response)
    assert [(r, f) for r, f, _ in found] == [
        (2, "category_path.1"),
        (3, "category_path.0"),
        (5, "category_path.1"),
        (6, "category_path.1"),
        (7, "category_path"),
        (8, "category_path"),
        (9, "category_path.1.name"),
    ]
    messages = [m for _, _, m in found]
    assert "category 'shirts' is named 'Shirts' in the shop, not 'Tops'" in messages[0]
    assert "is under 'clothing' in the shop, not at the top level" in messages[1]
    assert "starts at the top level" in messages[1]
    assert "is named 'Mugs' on row 4, not 'Cups'" in messages[2]
    assert "is under 'kitchen' on row 4, not under 'clothing'" in messages[3]
    assert "ends at 'kitchen', not at the row's category 'shoes'" in messages[4]
    assert "invalid JSON" in messages[5]
    assert await tree(client) == before  # nothing was written

    # partial: the valid rows are written, with the categories they declare, and only those
    response = await post(client, staff, csv_file(rows), "csv", partial=True)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    # siblings at one position are in name order
    assert await tree(client) == [
        before[0],
        ("kitchen", "Kitchen", 0, [("mugs", "Mugs", 0, [])]),
        before[1],
    ]
    assert (await client.get("/api/v1/products/c")).json()["category"]["slug"] == "mugs"


async def test_collections_are_created_from_their_details_and_checked_against_the_shop(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop
) -> None:
    header = ["slug", "title", "status", "collections", "collection_details", "sku", "price"]
    gifts = {"slug": "gifts", "title": "Gifts", "description": "For others."}
    rows = [
        ["a", "A", "active", "summer|gifts", [gifts], "A-1", 100],
        ["b", "B", "active", "gifts", "", "B-1", 100],  # declared on row 2
        ["c", "C", "active", "winter", "", "C-1", 100],  # unknown
        ["d", "D", "active", "summer", [{"slug": "summer", "title": "Sommer"}], "D-1", 100],
        ["e", "E", "active", "summer", [gifts], "E-1", 100],  # not one of its collections
    ]
    response = await post(client, staff, csv_file(rows, header), "csv")
    assert response.status_code == 422, response.text
    found = errors(response)
    assert [(r, f) for r, f, _ in found] == [
        (4, "collections"),
        (5, "collection_details.0"),
        (6, "collection_details.0"),
    ]
    assert "unknown collection 'winter' (give its title in collection_details" in found[0][2]
    assert "titled 'Summer' in the shop, not 'Sommer'" in found[1][2]
    assert "'gifts' is not one of the row's collections" in found[2][2]
    assert (await client.get("/api/v1/collections/gifts")).status_code == 404
    assert (response.json()["categories_created"], response.json()["collections_created"]) == (0, 0)
    response = await post(client, staff, csv_file(rows[:2], header), "csv")
    assert response.status_code == 200, response.text
    assert (response.json()["categories_created"], response.json()["collections_created"]) == (0, 1)
    page = (await client.get("/api/v1/collections/gifts")).json()
    assert (page["title"], page["description"]) == ("Gifts", "For others.")
    assert sorted(p["slug"] for p in page["products"]) == ["a", "b"]
    a = (await client.get("/api/v1/products/a")).json()
    assert a["collections"] == ["gifts", "summer"]


async def test_an_old_csv_keeps_the_images_sizes_and_writes_nothing_when_unchanged(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop
) -> None:
    """An image's size travels in the new export; a file without it (older exports, an images
    column of URLs) keeps the size the shop has for that URL."""
    body = [
        {
            "slug": "pic",
            "title": "Pic",
            "status": "active",
            "images": [{"url": "/media/a.png", "alt": "A", "width": 640, "height": 480}],
            "variants": [{"sku": "PIC-1", "price": 100}],
        }
    ]
    response = await post(client, staff, json.dumps(body).encode(), "json")
    assert response.status_code == 200, response.text
    old = (
        b"slug,title,status,sku,price,images\npic,Pic,active,PIC-1,100,/media/a.png|/media/b.png\n"
    )
    response = await post(client, staff, old, "csv")
    assert response.status_code == 200, response.text
    images = (await client.get("/api/v1/products/pic")).json()["images"]
    assert [(i["url"], i["alt"], i["width"], i["height"]) for i in images] == [
        ("/media/a.png", "", 640, 480),
        ("/media/b.png", "", None, None),
    ]
    exported = (await client.get(f"{ADMIN}/products/export?format=csv", headers=staff)).text
    row = next(r for r in csv.DictReader(io.StringIO(exported)) if r["slug"] == "pic")
    assert json.loads(row["images"]) == [
        {"url": "/media/a.png", "alt": "", "width": 640, "height": 480},
        {"url": "/media/b.png", "alt": "", "width": None, "height": None},
    ]
    assert row["is_active"] == "true"


async def test_malformed_declarations_are_row_errors_not_failures(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop
) -> None:
    def item(n: int, **fields: Any) -> dict[str, Any]:
        return {"title": f"T{n}", "variants": [{"sku": f"T-{n}", "price": 1}], **fields}

    bad: list[tuple[dict[str, Any], str]] = [
        ({"category": 5}, "category"),
        ({"category": "x", "category_path": {"slug": "x", "name": "X"}}, "category_path"),
        ({"category": "x", "category_path": "x"}, "category_path"),
        ({"category": "x", "category_path": ["x"]}, "category_path.0"),
        ({"category": "x", "category_path": [node("x", "X")] * 2}, "category_path"),
        (
            {"category": "x", "category_path": [node(f"x{i}", "X") for i in range(21)]},
            "category_path",
        ),
        ({"category_path": [node("Not A Slug", "X")]}, "category_path.0.slug"),
        ({"category_path": [node("x", "X", position=-1)]}, "category_path.0.position"),
        ({"category_path": [node("x", "X\u0000")]}, "category_path.0"),
        ({"collections": ["x"], "collection_details": {"slug": "x"}}, "collection_details"),
        (
            {"collections": ["x"], "collection_details": [{"slug": "x"}]},
            "collection_details.0.title",
        ),
        (
            {"collections": ["x", "x"], "collection_details": [{"slug": "x", "title": "X"}] * 2},
            "collection_details.1",
        ),
        ({"collections": "x"}, "collections"),
    ]
    body = [item(n, **fields) for n, (fields, _) in enumerate(bad)]
    response = await post(client, staff, json.dumps(body).encode(), "json", partial=True)
    assert response.status_code == 422, response.text
    assert response.json()["written"] is False
    found = {(e["row"], (e["field"] or "").split(".")[0]) for e in response.json()["errors"]}
    fields = {(e["row"], e["field"]) for e in response.json()["errors"]}
    for n, (_, where) in enumerate(bad, start=1):
        assert (n, where) in fields or (n, where) in found, (n, where, response.json()["errors"])
    # a CSV cell nested too deeply, or far too long a list
    deep = "[" * 5000 + "]" * 5000
    body_csv = csv_file([["a", "A", "active", "a", deep, "A-1", 1, 1]])
    response = await post(client, staff, body_csv, "csv")
    assert response.status_code == 422, response.text
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "category_path")]


async def test_a_products_json_cells_are_read_from_whichever_of_its_rows_has_them(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop
) -> None:
    """The export writes `category_path`, `collection_details`, `attributes` and `images` on a
    product's first row only (the file stays small); rows sorted otherwise in a spreadsheet
    import the same."""
    header = [*HEADER, "attributes", "images"]
    path = [node("kitchen", "Kitchen"), node("mugs", "Mugs")]
    images = [{"url": "/media/m.png", "alt": "A mug", "width": 10, "height": 12}]
    rows = [
        ["mug", "Mug", "active", "mugs", "", "MUG-2", 1300, 1, "", ""],
        ["mug", "Mug", "active", "mugs", path, "MUG-1", 1200, 4, '{"glaze": "matte"}', images],
    ]
    response = await post(client, staff, csv_file(rows, header), "csv")
    assert response.status_code == 200, response.text
    mug = (await client.get("/api/v1/products/mug")).json()
    assert [c["slug"] for c in mug["breadcrumbs"]] == ["kitchen", "mugs"]
    assert mug["attributes"] == {"glaze": "matte"}
    assert [(i["alt"], i["width"]) for i in mug["images"]] == [("A mug", 10)]
    exported = (await client.get(f"{ADMIN}/products/export?format=csv", headers=staff)).text
    first, second = [r for r in csv.DictReader(io.StringIO(exported)) if r["slug"] == "mug"]
    assert json.loads(first["category_path"])[-1]["slug"] == "mugs"
    assert json.loads(first["images"])[0]["alt"] == "A mug"
    assert (second["category_path"], second["images"], second["attributes"]) == ("", "", "")
    assert second["category"] == "mugs"
