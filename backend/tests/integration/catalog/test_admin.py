"""Admin catalog API: auth, optimistic concurrency, cache invalidation, stock, images, import."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import struct
import zlib
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from mercato.bootstrap import Container
from tests.factories import auth_headers, create_product, create_user
from tests.integration.catalog.conftest import Shop

ADMIN = "/api/v1/admin"


@pytest.fixture
async def staff(container: Container) -> dict[str, str]:
    user = await create_user(container, role="staff")
    return auth_headers(container, user)


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR"}


def new_product(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Wool Scarf",
        "status": "active",
        "brand": "Mercato",
        "description": '<p onclick="x()">Warm <script>alert(1)</script><b>wool</b></p>',
        "variants": [
            {"sku": "SCARF-RED", "price": eur(2500), "options": {"Colour": "Red"}, "stock": 4},
            {"sku": "SCARF-BLUE", "price": eur(2700), "options": {"Colour": "Blue"}, "stock": 0},
        ],
    }
    body.update(overrides)
    return body


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def test_admin_routes_need_staff(client: httpx.AsyncClient, container: Container) -> None:
    customer = auth_headers(container, await create_user(container, role="customer"))
    for method, path in [
        ("GET", "/products"),
        ("POST", "/products"),
        ("PATCH", "/products/00000000-0000-4000-8000-000000000000"),
        ("POST", "/categories"),
        ("POST", "/inventory/X/adjustments"),
        ("POST", "/products/import"),
        ("GET", "/products/export"),
    ]:
        anonymous = await client.request(method, ADMIN + path, json={})
        assert anonymous.status_code == 401, (method, path)
        forbidden = await client.request(method, ADMIN + path, json={}, headers=customer)
        assert forbidden.status_code == 403, (method, path)


async def test_create_update_with_if_match_and_cache_invalidation(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    created = await client.post(f"{ADMIN}/products", json=new_product(), headers=staff)
    assert created.status_code == 201, created.text
    product = created.json()
    assert created.headers["etag"] == '"1"'
    assert product["slug"] == "wool-scarf"
    assert product["description"] == "<p>Warm <b>wool</b></p>"  # sanitised
    assert product["price"] == {"amount": 2500, "currency": "EUR"}
    url = f"{ADMIN}/products/{product['id']}"

    public = await client.get("/api/v1/products/wool-scarf")
    assert public.json()["title"] == "Wool Scarf"
    assert (await client.get("/api/v1/products/wool-scarf")).headers["x-cache"] == "HIT"

    missing = await client.patch(url, json={"title": "Cashmere Scarf"}, headers=staff)
    assert missing.status_code == 428
    stale = await client.patch(
        url, json={"title": "Cashmere Scarf"}, headers={**staff, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    ok = await client.patch(
        url, json={"title": "Cashmere Scarf"}, headers={**staff, "If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"2"'
    # the very next public read sees the change (the cached entry was invalidated)
    assert (await client.get("/api/v1/products/wool-scarf")).json()["title"] == "Cashmere Scarf"
    listing = await client.get("/api/v1/products", params={"q": "cashmere"})
    assert [p["title"] for p in listing.json()["items"]] == ["Cashmere Scarf"]


async def test_prices_go_in_as_they_come_out(
    client: httpx.AsyncClient, staff: dict[str, str], container: Container
) -> None:
    """ADR 0016: admin inputs take the Money object the API answers, in the shop currency."""
    assert container.settings.catalog.currency == "EUR"
    created = await client.post(f"{ADMIN}/products", json=new_product(), headers=staff)
    assert created.status_code == 201, created.text
    product = created.json()
    red = next(v for v in product["variants"] if v["sku"] == "SCARF-RED")
    assert red["price"] == eur(2500)
    # what was read is sent back as it is
    changed = await client.patch(
        f"{ADMIN}/variants/{red['id']}",
        json={"price": {**red["price"], "amount": 2400}, "compare_at_price": red["price"]},
        headers={**staff, "If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    red = next(v for v in changed.json()["variants"] if v["sku"] == "SCARF-RED")
    assert (red["price"], red["compare_at_price"]) == (eur(2400), eur(2500))
    etag = changed.headers["etag"]
    # another currency is refused, nothing changes (no conversion on the server)
    for body in ({"price": {"amount": 100, "currency": "USD"}},):
        refused = await client.patch(
            f"{ADMIN}/variants/{red['id']}", json=body, headers={**staff, "If-Match": etag}
        )
        assert refused.status_code == 422
        assert refused.json()["code"] == "currency_mismatch"
    usd_product = new_product(
        slug="usd-scarf",
        variants=[{"sku": "USD-1", "price": {"amount": 100, "currency": "USD"}}],
    )
    refused = await client.post(f"{ADMIN}/products", json=usd_product, headers=staff)
    assert refused.status_code == 422
    assert refused.json()["code"] == "currency_mismatch"
    for bad in (
        {"amount": "100", "currency": "EUR"},
        {"amount": 1},
        {"amount": 1, "currency": "eur"},
    ):
        invalid = await client.patch(
            f"{ADMIN}/variants/{red['id']}",
            json={"price": bad},
            headers={**staff, "If-Match": etag},
        )
        assert invalid.status_code == 422, bad
        assert invalid.json()["errors"][0]["loc"][:2] == ["body", "price"]
    # bare minor units: deprecated, still accepted
    legacy = await client.patch(
        f"{ADMIN}/variants/{red['id']}", json={"price": 2300}, headers={**staff, "If-Match": etag}
    )
    assert legacy.status_code == 200, legacy.text
    assert (await client.get(f"/api/v1/products/{product['slug']}")).json()["variants"][0]["price"][
        "currency"
    ] == "EUR"


async def test_lost_update_is_refused_under_concurrency(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    product = (await client.post(f"{ADMIN}/products", json=new_product(), headers=staff)).json()
    url = f"{ADMIN}/products/{product['id']}"
    results = await asyncio.gather(
        *(
            client.patch(url, json={"brand": f"B{n}"}, headers={**staff, "If-Match": '"1"'})
            for n in range(8)
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1
    assert set(codes) <= {200, 412, 503}
    final = (await client.get(url, headers=staff)).json()
    assert final["version"] == 2


async def test_validation_and_conflicts_change_nothing(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    bad_bodies = [
        new_product(variants=[]),
        new_product(variants=[{"sku": "bad sku!", "price": 1}]),
        new_product(variants=[{"sku": "A1", "price": -5}]),
        new_product(status="published"),
        new_product(unknown_field=1),
        new_product(
            variants=[
                {"sku": "A1", "price": 1, "options": {"Size": "M"}},
                {"sku": "A2", "price": 1, "options": {"Size": "M"}},
            ]
        ),
        new_product(variants=[{"sku": "A1", "price": 1}, {"sku": "A1", "price": 2}]),
        new_product(category_id="00000000-0000-4000-8000-000000000000"),
        new_product(images=[{"url": "javascript:alert(1)"}]),
        new_product(title="Nul\x00byte"),
        new_product(attributes={"k\x00": "v"}),
        new_product(variants=[{"sku": "A1", "price": 2**40}]),
    ]
    for body in bad_bodies:
        response = await client.post(f"{ADMIN}/products", json=body, headers=staff)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert (
        await client.post(f"{ADMIN}/products", json=new_product(), headers=staff)
    ).status_code == 201
    taken = await client.post(
        f"{ADMIN}/products", json=new_product(slug="wool-scarf"), headers=staff
    )
    assert taken.status_code == 409
    sku_taken = await client.post(
        f"{ADMIN}/products", json=new_product(title="Other"), headers=staff
    )
    assert sku_taken.status_code == 409
    assert sku_taken.json()["code"] == "sku_taken"
    listing = await client.get(f"{ADMIN}/products", headers=staff)
    assert len(listing.json()["items"]) == 1


async def test_variants_categories_collections(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    root = await client.post(f"{ADMIN}/categories", json={"name": "Accessories"}, headers=staff)
    assert root.status_code == 201
    child = await client.post(
        f"{ADMIN}/categories",
        json={"name": "Scarves", "parent_id": root.json()["id"]},
        headers=staff,
    )
    product = (
        await client.post(
            f"{ADMIN}/products", json=new_product(category_id=child.json()["id"]), headers=staff
        )
    ).json()
    added = await client.post(
        f"{ADMIN}/products/{product['id']}/variants",
        json={"sku": "SCARF-GREEN", "price": 1900, "options": {"Colour": "Green"}, "stock": 2},
        headers=staff,
    )
    assert added.status_code == 201, added.text
    assert added.json()["price"]["amount"] == 1900
    green = next(v for v in added.json()["variants"] if v["sku"] == "SCARF-GREEN")
    patched = await client.patch(
        f"{ADMIN}/variants/{green['id']}",
        json={"price": 3100},
        headers={**staff, "If-Match": added.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["price_max"]["amount"] == 3100
    # moving a category under its own child is refused
    cycle = await client.patch(
        f"{ADMIN}/categories/{root.json()['id']}",
        json={"parent_id": child.json()["id"]},
        headers={**staff, "If-Match": root.headers["etag"]},
    )
    assert cycle.status_code == 422
    renamed = await client.patch(
        f"{ADMIN}/categories/{child.json()['id']}",
        json={"name": "Scarves & Shawls"},
        headers={**staff, "If-Match": child.headers["etag"]},
    )
    assert renamed.status_code == 200
    detail = (await client.get("/api/v1/products/wool-scarf")).json()
    assert [c["name"] for c in detail["breadcrumbs"]] == ["Accessories", "Scarves & Shawls"]
    not_empty = await client.delete(
        f"{ADMIN}/categories/{root.json()['id']}", headers={**staff, "If-Match": "*"}
    )
    assert not_empty.status_code == 409
    collection = await client.post(
        f"{ADMIN}/collections",
        json={"title": "Winter", "product_ids": [product["id"]]},
        headers=staff,
    )
    assert collection.status_code == 201
    page = (await client.get("/api/v1/collections/winter")).json()
    assert [p["slug"] for p in page["products"]] == ["wool-scarf"]
    deleted = await client.delete(
        f"{ADMIN}/products/{product['id']}", headers={**staff, "If-Match": patched.headers["etag"]}
    )
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/products/wool-scarf")).status_code == 404
    assert (await client.get("/api/v1/collections/winter")).json()["products"] == []


async def test_stock_adjustments(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str]
) -> None:
    await create_product(container, title="Mug", skus=["MUG-1"], stock=3)
    url = f"{ADMIN}/inventory/MUG-1/adjustments"
    before = (await client.get("/api/v1/products/mug")).json()
    assert before["available"] == 3
    response = await client.post(url, json={"delta": 5, "reason": "delivery"}, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["on_hand"] == 8
    assert (await client.get("/api/v1/products/mug")).json()["available"] == 8
    stocktake = await client.post(url, json={"on_hand": 2, "reason": "stock take"}, headers=staff)
    assert stocktake.json()["available"] == 2
    for body in (
        {"delta": -3, "reason": "damaged"},  # would go negative
        {"delta": 1},  # no reason
        {"delta": 1, "on_hand": 2, "reason": "x"},
        {"delta": 0, "reason": "nothing"},
    ):
        bad = await client.post(url, json=body, headers=staff)
        assert bad.status_code in (409, 422), body
    unknown = await client.post(
        f"{ADMIN}/inventory/NOPE/adjustments", json={"delta": 1, "reason": "x"}, headers=staff
    )
    assert unknown.status_code == 422
    level = await client.get(f"{ADMIN}/inventory/MUG-1", headers=staff)
    assert level.json()["on_hand"] == 2
    missing = await client.get(f"{ADMIN}/inventory/NOPE", headers=staff)
    assert missing.status_code == 404
    assert missing.json()["code"] == "sku_not_found"
    nul = await client.post(
        f"{ADMIN}/inventory/A%00B/adjustments", json={"delta": 1, "reason": "x"}, headers=staff
    )
    assert nul.status_code in (404, 422)
    nul_reason = await client.post(url, json={"delta": 1, "reason": "a\x00"}, headers=staff)
    assert nul_reason.status_code == 422
    page = (await client.get(f"{ADMIN}/inventory/MUG-1/movements", headers=staff)).json()
    ledger = page["items"]
    assert [m["delta_on_hand"] for m in ledger][:2] == [-6, 5]
    # cursor pagination walks the whole ledger once, newest first
    walked: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        step = await client.get(f"{ADMIN}/inventory/MUG-1/movements", params=params, headers=staff)
        assert step.status_code == 200, step.text
        walked += [m["id"] for m in step.json()["items"]]
        cursor = step.json()["next_cursor"]
        if cursor is None:
            break
    assert walked == [m["id"] for m in ledger]
    assert len(walked) > 2
    forged = await client.get(
        f"{ADMIN}/inventory/MUG-1/movements", params={"cursor": "bm9wZQ"}, headers=staff
    )
    assert forged.status_code == 422
    assert forged.json()["code"] == "invalid_cursor"
    assert ledger[0]["actor"].startswith("user:")


async def test_image_upload_refuses_unstorable_alt_text(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str]
) -> None:
    """Multipart text fields are checked like JSON strings: a NUL was stored, invalid UTF-8
    stored as mojibake (201)."""
    product = await create_product(container, title="Lamp")
    url = f"{ADMIN}/products/{product.id}/images"
    headers = {**staff, "Content-Type": "multipart/form-data; boundary=b"}
    for alt in (b"a\x00b", b"\xff\xfe", b"a\xed\xa0\x80b"):
        body = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="lamp.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + png_bytes() + b"\r\n"
            b'--b\r\nContent-Disposition: form-data; name="alt"\r\n\r\n' + alt + b"\r\n--b--\r\n"
        )
        response = await client.post(url, content=body, headers=headers)
        assert response.status_code == 422, (alt, response.text)
        assert response.json()["code"] == "invalid_text"
    detail = (await client.get(f"{ADMIN}/products/{product.id}", headers=staff)).json()
    assert detail["images"] == []
    assert not list((container.settings.data_dir).rglob("*.png"))


async def test_image_upload_checks_content(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str]
) -> None:
    product = await create_product(container, title="Lamp")
    url = f"{ADMIN}/products/{product.id}/images"
    ok = await client.post(
        url,
        files={"file": ("lamp.png", png_bytes(), "image/png")},
        data={"alt": "A lamp"},
        headers=staff,
    )
    assert ok.status_code == 201, ok.text
    image = ok.json()["images"][0]
    assert image["alt"] == "A lamp"
    served = await client.get(image["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == png_bytes()
    part = await client.get(image["url"], headers={"Range": "bytes=0-3"})
    assert (part.status_code, part.content) == (206, png_bytes()[:4])
    for unservable in ("bytes=5-2", "bytes=abc", "items=0-1", "bytes=99999999999999999999-"):
        whole = await client.get(image["url"], headers={"Range": unservable})
        assert (whole.status_code, whole.content) == (200, png_bytes()), unservable
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = [
        ("x.svg", svg, "image/svg+xml"),
        ("x.png", svg, "image/png"),  # the header lies
        ("x.png", b"GIF8" + b"\x00" * 20, "image/png"),
        ("x.png", b"", "image/png"),
        (
            "huge.png",
            png_bytes(1, 1).replace(  # a decompression bomb's header: 50000x50000
                struct.pack(">II", 1, 1), struct.pack(">II", 50_000, 50_000), 1
            ),
            "image/png",
        ),
    ]
    for name, data, content_type in refused:
        response = await client.post(url, files={"file": (name, data, content_type)}, headers=staff)
        assert response.status_code == 415, (name, response.status_code)
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (container.settings.catalog.media_max_bytes + 10)
    too_big = await client.post(url, files={"file": ("big.png", big, "image/png")}, headers=staff)
    assert too_big.status_code == 413
    detail = (await client.get("/api/v1/products/lamp")).json()
    assert len(detail["images"]) == 1
    for path in (
        "/media/../mercato.db",
        "/media/%2e%2e/mercato.db",
        "/media/products/",
        "/media/x.db",
    ):
        assert (await client.get(path)).status_code == 404, path


CSV_HEADER = "slug,title,status,category,sku,price,stock,option1_name,option1_value\n"


async def test_csv_import_reports_rows_and_writes_nothing_when_invalid(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop
) -> None:
    body = (
        CSV_HEADER
        + "tote,Canvas Tote,active,,TOTE-1,1500,3,,\n"
        + "cap,Cap,active,nowhere,CAP-1,1200,1,,\n"  # unknown category
        + "sock,Socks,active,,SOCK-1,abc,1,,\n"  # bad price
        + "sock2,Socks 2,active,,TOTE-1,900,1,,\n"  # duplicate SKU in the file
        + "belt,Belt,active,,BELT-1,900,1,Size,\n"  # option without value
    )
    url = f"{ADMIN}/products/import?format=csv"
    response = await client.post(url, content=body.encode(), headers=staff)
    assert response.status_code == 422
    report = response.json()
    assert report["written"] is False
    rows = {(e["row"], e["field"]) for e in report["errors"]}
    assert rows == {(3, "category"), (4, "price"), (5, "sku"), (6, "option1_value")}
    assert (await client.get("/api/v1/products/canvas-tote")).status_code == 404
    assert (await client.get("/api/v1/products/tote")).status_code == 404

    partial = await client.post(url + "&partial=true", content=body.encode(), headers=staff)
    assert partial.status_code == 200, partial.text
    assert partial.json()["created"] == 1
    assert partial.json()["written"] is True
    tote = (await client.get("/api/v1/products/tote")).json()
    assert tote["available"] == 3

    garbage = await client.post(url, content=b"\xff\xfe\x00garbage", headers=staff)
    assert garbage.status_code == 422
    wrong_header = await client.post(url, content=b"name,cost\nx,1\n", headers=staff)
    assert wrong_header.status_code == 422
    assert "missing columns" in wrong_header.json()["errors"][0]["message"]


@pytest.mark.parametrize("partial", ["false", "true"])
async def test_a_file_the_csv_reader_cannot_read_is_refused_whole(
    client: httpx.AsyncClient, staff: dict[str, str], partial: str
) -> None:
    url = f"{ADMIN}/products/import?format=csv&partial={partial}"
    header = "slug,title,description,sku,price\n"
    files = {
        # a quoted field over two lines, then a 200,000-character description on row 3
        "huge": (
            (
                header
                + 'tote,Canvas Tote,"two\nlines",TOTE-1,1500\n'
                + "cap,Cap,"
                + "x" * 200_000
                + ",CAP-1,900\n"
            ).encode(),
            3,
            "longer than 131072 characters",
        ),
    }
    for name, (body, row, message) in files.items():
        response = await client.post(
            url, content=body, headers={**staff, "content-type": "text/csv"}
        )
        assert response.status_code == 422, (name, response.text)
        problem = response.json()
        assert problem["code"] == "import_invalid", name
        assert problem["written"] is False
        [error] = problem["errors"]
        assert error["row"] == row, name
        assert message in error["message"], name
    assert (await client.get("/api/v1/products/tote")).status_code == 404
    assert (await client.get(f"{ADMIN}/products", headers=staff)).json()["items"] == []


async def test_a_csv_with_classic_mac_line_endings_is_imported(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    """Lines ending in a bare CR (old Mac files) read like LF or CRLF ones; a CR inside a quoted
    field stays in the value."""
    body = (
        "slug,title,status,description,sku,price,stock\r"
        'tote,Canvas Tote,active,"Two\rlines",TOTE-1,1500,3\r'
        "cap,Cap,active,,CAP-1,900,2\r\n"  # one CRLF among them
        "cap,Cap,active,,CAP-2,900,1"  # no line end at the end of the file
    )
    response = await client.post(
        f"{ADMIN}/products/import?format=csv",
        content=body.encode(),
        headers={**staff, "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["total_rows"], report["created"], report["errors"]) == (3, 2, [])
    tote = (await client.get("/api/v1/products/tote")).json()
    assert (tote["title"], tote["available"]) == ("Canvas Tote", 3)
    assert "Two\rlines" in tote["description"]
    cap = (await client.get("/api/v1/products/cap")).json()
    assert sorted((v["sku"], v["available"]) for v in cap["variants"]) == [
        ("CAP-1", 2),
        ("CAP-2", 1),
    ]


async def test_a_json_import_with_a_number_too_long_to_read_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    body = b'[{"title": "Cap", "variants": [{"sku": "CAP-1", "price": ' + b"9" * 5000 + b"}]}]"
    response = await client.post(
        f"{ADMIN}/products/import?format=json",
        content=body,
        headers={**staff, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_invalid"
    assert "invalid JSON" in response.json()["errors"][0]["message"]
    assert (await client.get(f"{ADMIN}/products", headers=staff)).json()["items"] == []


async def test_option_names_differing_only_by_case_are_a_bad_option(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    variant = {"sku": "TEE-1", "price": eur(1500)}
    bodies = {
        "declared": new_product(
            options=[{"name": "Size", "values": ["M"]}, {"name": "size", "values": ["L"]}],
            variants=[variant | {"options": {"Size": "M", "size": "L"}}],
        ),
        "in a variant": new_product(variants=[variant | {"options": {"size": "M", "Size": "L"}}]),
    }
    for case, body in bodies.items():
        response = await client.post(f"{ADMIN}/products", json=body, headers=staff)
        assert response.status_code == 422, (case, response.text)
        assert response.json()["code"] == "bad_option", case
        assert "differ only by case" in response.json()["detail"]
    created = await client.post(
        f"{ADMIN}/products",
        json=new_product(variants=[variant | {"options": {"Size": "M"}}]),
        headers=staff,
    )
    assert created.status_code == 201, created.text
    url = f"{ADMIN}/products/{created.json()['id']}"
    patch = await client.patch(
        url,
        json={"options": [{"name": "Size", "values": ["M"]}, {"name": "SIZE", "values": ["M"]}]},
        headers={**staff, "If-Match": created.headers["etag"]},
    )
    assert patch.status_code == 422, patch.text
    assert patch.json()["code"] == "bad_option"
    assert (await client.get(url, headers=staff)).json()["options"] == [
        {"name": "Size", "values": ["M"]}
    ]
    assert len((await client.get(f"{ADMIN}/products", headers=staff)).json()["items"]) == 1


async def test_csv_import_refuses_an_option_given_twice_in_a_row(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    header = "slug,title,sku,price,option1_name,option1_value,option2_name,option2_value\n"
    for first, second in (("Size", "Size"), ("size", "Size")):
        body = header + f"tee,Tee,TEE-1,1500,{first},M,{second},L\n"
        response = await client.post(
            f"{ADMIN}/products/import?format=csv",
            content=body.encode(),
            headers={**staff, "content-type": "text/csv"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "import_invalid"
        [error] = response.json()["errors"]
        assert (error["row"], error["field"]) == (2, "option2_name")
        assert "declared twice" in error["message"]
    # two rows of one product whose option names differ by case
    body = (
        "slug,title,sku,price,option1_name,option1_value\n"
        "tee,Tee,TEE-1,1500,Size,M\ntee,Tee,TEE-2,1500,size,L\n"
    )
    response = await client.post(
        f"{ADMIN}/products/import?format=csv&partial=true",
        content=body.encode(),
        headers={**staff, "content-type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_invalid"
    assert "differ only by case" in response.json()["errors"][0]["message"]
    assert (await client.get(f"{ADMIN}/products", headers=staff)).json()["items"] == []


async def test_skus_differing_only_by_case_cannot_coexist(
    client: httpx.AsyncClient, staff: dict[str, str], container: Container
) -> None:
    """`SCARF-RED` and `scarf-red` are one SKU: a create, an added variant and an import are
    refused (409 `sku_taken`, or 422 `duplicate_sku` within one request or row errors within one
    file). Lookups stay exact: the cart does not know `scarf-red`."""
    created = await client.post(f"{ADMIN}/products", json=new_product(), headers=staff)
    assert created.status_code == 201, created.text
    other = new_product(
        title="Other Scarf", variants=[{"sku": "scarf-red", "price": eur(100), "stock": 1}]
    )
    taken = await client.post(f"{ADMIN}/products", json=other, headers=staff)
    assert taken.status_code == 409, taken.text
    assert taken.json()["code"] == "sku_taken"
    assert taken.json()["skus"] == ["SCARF-RED"]
    twice = new_product(
        title="Twice",
        variants=[
            {"sku": "TWICE-1", "price": eur(100), "options": {"Colour": "Red"}},
            {"sku": "twice-1", "price": eur(100), "options": {"Colour": "Blue"}},
        ],
    )
    doubled = await client.post(f"{ADMIN}/products", json=twice, headers=staff)
    assert doubled.status_code == 422, doubled.text
    assert doubled.json()["code"] == "duplicate_sku"
    added = await client.post(
        f"{ADMIN}/products/{created.json()['id']}/variants",
        json={"sku": "Scarf-Blue", "price": eur(100), "options": {"Colour": "Green"}},
        headers=staff,
    )
    assert added.status_code == 409, added.text
    assert added.json()["code"] == "sku_taken"

    csv_url = f"{ADMIN}/products/import?format=csv&partial=true"
    csv_headers = {**staff, "content-type": "text/csv"}
    in_file = (
        CSV_HEADER + "mug,Mug,active,,MUG-1,100,1,Size,S\nmug,Mug,active,,mug-1,100,1,Size,M\n"
    )
    response = await client.post(csv_url, content=in_file.encode(), headers=csv_headers)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (3, "sku")
    assert "duplicate SKU (also on row 2" in error["message"]
    in_shop = CSV_HEADER + "cap,Cap,active,,scarf-blue,100,1,,\n"
    response = await client.post(csv_url, content=in_shop.encode(), headers=csv_headers)
    assert response.status_code == 422, response.text
    assert "SCARF-BLUE" in response.json()["errors"][0]["message"]
    as_json = [{"title": "Hat", "variants": [{"sku": "Scarf-Red", "price": 100}]}]
    response = await client.post(
        f"{ADMIN}/products/import?format=json&partial=true",
        content=json.dumps(as_json).encode(),
        headers={**staff, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert "SCARF-RED" in response.json()["errors"][0]["message"]

    products = (await client.get(f"{ADMIN}/products", headers=staff)).json()["items"]
    assert [p["title"] for p in products] == ["Wool Scarf"]
    scarf = (await client.get(f"{ADMIN}/products/{products[0]['id']}", headers=staff)).json()
    assert sorted(v["sku"] for v in scarf["variants"]) == ["SCARF-BLUE", "SCARF-RED"]
    cart = (await client.post("/api/v1/carts")).json()
    line = await client.post(
        f"/api/v1/carts/{cart['id']}/lines", json={"sku": "scarf-red", "quantity": 1}
    )
    assert line.status_code == 422, line.text
    assert line.json()["code"] == "unknown_sku"


async def test_export_import_round_trip(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop
) -> None:
    for kind in ("csv", "json"):
        exported = await client.get(f"{ADMIN}/products/export?format={kind}", headers=staff)
        assert exported.status_code == 200
        again = await client.post(
            f"{ADMIN}/products/import?format={kind}", content=exported.content, headers=staff
        )
        assert again.status_code == 200, again.text
        assert again.json()["created"] == 0
        assert again.json()["updated"] == 7
    data = json.loads(
        (await client.get(f"{ADMIN}/products/export?format=json", headers=staff)).content
    )
    linen = next(p for p in data if p["slug"] == "linen-shirt")
    assert linen["category"] == "shirts"
    assert linen["collections"] == ["summer"]
    assert {v["stock"] for v in linen["variants"]} == {5}
    linen["title"] = "Linen Shirt Deluxe"
    linen["variants"][0]["stock"] = 9
    result = await client.post(
        f"{ADMIN}/products/import?format=json", content=json.dumps([linen]).encode(), headers=staff
    )
    assert result.json()["updated"] == 1
    detail = (await client.get("/api/v1/products/linen-shirt")).json()
    assert detail["title"] == "Linen Shirt Deluxe"
    assert sorted(v["available"] for v in detail["variants"]) == [5, 5, 5, 9]


async def test_an_unchanged_reimport_writes_no_product_variant_or_stock_change(
    client: httpx.AsyncClient, staff: dict[str, str], shop: Shop, container: Container
) -> None:
    """A nightly feed re-sends what the shop has: only what changed is written (the import holds
    the database's write lock for less), and a change in the file still lands."""
    data = json.loads(
        (await client.get(f"{ADMIN}/products/export?format=json", headers=staff)).content
    )
    linen = next(p for p in data if p["slug"] == "linen-shirt")
    sku = linen["variants"][0]["sku"]
    movements = f"{ADMIN}/inventory/{sku}/movements"
    before = (await client.get(movements, headers=staff)).json()["items"]
    exported = await client.get(f"{ADMIN}/products/export?format=csv", headers=staff)
    writes: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        head = statement.lstrip().split(None, 3)
        if head[0].upper() in ("INSERT", "UPDATE", "DELETE") and any(
            table in statement
            for table in (
                "catalog_product ",
                "catalog_product_image ",
                "catalog_collection_product ",
                "catalog_variant ",
                "stock_level ",
                "stock_movement ",
            )
        ):
            writes.append(statement)

    engine = container.db.write_engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        again = await client.post(
            f"{ADMIN}/products/import?format=csv", content=exported.content, headers=staff
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert again.status_code == 200, again.text
    assert writes == []
    assert (await client.get(movements, headers=staff)).json()["items"] == before

    linen["variants"][0]["stock"] = 9
    linen["variants"][1]["price"] = linen["variants"][1]["price"] + 100
    linen["description"] = "<p>Washed linen, now softer.</p>"
    changed = await client.post(
        f"{ADMIN}/products/import?format=json", content=json.dumps([linen]).encode(), headers=staff
    )
    assert changed.status_code == 200, changed.text
    after = (await client.get(movements, headers=staff)).json()["items"]
    assert len(after) == len(before) + 1
    detail = (await client.get("/api/v1/products/linen-shirt")).json()
    prices = {v["sku"]: v["price"]["amount"] for v in detail["variants"]}
    assert prices[linen["variants"][1]["sku"]] == linen["variants"][1]["price"]
    assert {v["sku"]: v["available"] for v in detail["variants"]}[sku] == 9
    assert detail["description"] == "<p>Washed linen, now softer.</p>"


async def test_csv_export_quotes_formulas_and_import_restores_them(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    title = '=HYPERLINK("http://evil.example","click")'
    body = new_product(
        title=title,
        slug="formula",
        brand="+brand",
        description="-1 and more",
        tags=["@tag", "plain"],
        seo_title="'=already quoted",
        variants=[{"sku": "F-1", "price": eur(100), "options": {"@Size": "+M"}}],
    )
    created = await client.post(f"{ADMIN}/products", json=body, headers=staff)
    assert created.status_code == 201, created.text
    original = (await client.get(f"{ADMIN}/products/{created.json()['id']}", headers=staff)).json()
    exported = await client.get(f"{ADMIN}/products/export?format=csv", headers=staff)
    [row] = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["title"] == "'" + title
    assert (row["brand"], row["description"], row["tags"]) == (
        "'+brand",
        "'-1 and more",
        "'@tag|plain",
    )
    assert (row["seo_title"], row["option1_name"], row["option1_value"]) == (
        "''=already quoted",
        "'@Size",
        "'+M",
    )
    assert (row["slug"], row["sku"], row["price"]) == ("formula", "F-1", "100")
    for _ in range(2):  # export then import, twice: nothing gains a quote
        again = await client.post(
            f"{ADMIN}/products/import?format=csv",
            content=exported.content,
            headers={**staff, "content-type": "text/csv"},
        )
        assert again.status_code == 200, again.text
        assert again.json()["updated"] == 1
        after = (await client.get(f"{ADMIN}/products/{original['id']}", headers=staff)).json()
        for field in ("title", "brand", "description", "tags", "seo_title", "options"):
            assert after[field] == original[field], field
        assert after["variants"][0]["options"] == original["variants"][0]["options"]
        reexported = await client.get(f"{ADMIN}/products/export?format=csv", headers=staff)
        assert reexported.content == exported.content


async def test_renaming_onto_a_taken_slug_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    for path, first, second in (
        (
            "products",
            new_product(),
            new_product(
                title="Silk Tie", slug="silk-tie", variants=[{"sku": "TIE-1", "price": 2500}]
            ),
        ),
        ("categories", {"name": "Hats", "slug": "hats"}, {"name": "Caps", "slug": "caps"}),
        (
            "collections",
            {"title": "Summer", "slug": "summer"},
            {"title": "Autumn", "slug": "autumn"},
        ),
    ):
        a = await client.post(f"{ADMIN}/{path}", json=first, headers=staff)
        b = await client.post(f"{ADMIN}/{path}", json=second, headers=staff)
        assert a.status_code == b.status_code == 201, (a.text, b.text)
        url = f"{ADMIN}/{path}/{b.json()['id']}"
        taken = await client.patch(
            url, json={"slug": a.json()["slug"]}, headers={**staff, "If-Match": b.headers["etag"]}
        )
        assert taken.status_code == 409, taken.text
        assert taken.json()["code"] == "slug_taken"
        renamed = await client.patch(
            url, json={"slug": f"{b.json()['slug']}-new"}, headers={**staff, "If-Match": "*"}
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["slug"] == f"{b.json()['slug']}-new"


async def test_renaming_a_category_renames_it_in_every_product_s_search_text(
    client: httpx.AsyncClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every product below the category, however many (in batches), and none elsewhere."""
    from mercato.catalog import service
    from mercato.catalog.schemas import CategoryCreate, CategoryUpdate

    monkeypatch.setattr(service, "SEARCH_TEXT_BATCH", 2)
    async with container.db.session() as session:
        outerwear = await service.create_category(session, CategoryCreate(name="Outerwear"))
        jackets = await service.create_category(
            session, CategoryCreate(name="Rain Jackets", parent_id=outerwear.id)
        )
        other = await service.create_category(session, CategoryCreate(name="Kitchen"))
    for n in range(5):
        await create_product(container, title=f"Coat {n}", category_id=jackets.id)
    await create_product(container, title="Kettle", category_id=other.id)

    def found(q: str) -> Any:
        return client.get("/api/v1/products", params={"q": q, "limit": 100})

    assert len((await found("storm")).json()["items"]) == 0
    async with container.db.session() as session:
        await service.update_category(
            session, jackets.id, CategoryUpdate(name="Storm Shells"), expected_version=None
        )
        await service.update_category(
            session, outerwear.id, CategoryUpdate(name="Weatherwear"), expected_version=None
        )
    await container.catalog_cache.invalidate({"products"})
    for q in ("storm", "weatherwear"):
        titles = sorted(item["title"] for item in (await found(q)).json()["items"])
        assert titles == [f"Coat {n}" for n in range(5)], q
    assert (await found("rain")).json()["items"] == []  # the old name is gone
    assert [item["title"] for item in (await found("kitchen")).json()["items"]] == ["Kettle"]


async def test_an_empty_seo_headline_follows_the_title(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    created = await client.post(
        f"{ADMIN}/products", json=new_product(title="Linen Shirt", seo_title=""), headers=staff
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["seo_title"], body["custom_seo_title"]) == ("Linen Shirt", None)

    url = f"{ADMIN}/products/{body['id']}"
    # the admin form sends back the stored headline (empty) with the new title
    renamed = await client.patch(
        url, json={"title": "Linen Overshirt", "seo_title": ""}, headers={**staff, "If-Match": "*"}
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["seo_title"], renamed.json()["custom_seo_title"]) == (
        "Linen Overshirt",
        None,
    )
    public = await client.get(f"/api/v1/products/{body['slug']}")
    assert public.json()["seo_title"] == "Linen Overshirt"

    own = await client.patch(
        url, json={"seo_title": "Shirts of linen"}, headers={**staff, "If-Match": "*"}
    )
    assert (own.json()["seo_title"], own.json()["custom_seo_title"]) == ("Shirts of linen",) * 2
