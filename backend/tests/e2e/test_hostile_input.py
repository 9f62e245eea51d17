"""Hostile input that property fuzzing misses (DESIGN §5: a clear 4xx, nothing changed, no 5xx).

NUL bytes and lone surrogates, huge and non-positive numbers, 100k-character strings, deeply
nested JSON, wrong content types, invalid UUIDs, forged cursors, malformed headers, path
traversal, duplicate query parameters and look-alike emails. Every probe must answer a 4xx
`application/problem+json` with the status and a `code`, and the whole database must be
byte-for-byte the same afterwards. Runs on SQLite and PostgreSQL (`db_url`).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select

from mercato.bootstrap import Container
from mercato.models import is_managed_table, metadata
from tests.factories import auth_headers, create_product, create_user
from tests.integration.checkout.helpers import ADDRESS, API, checkout, expect, ready_cart

NUL = "a\x00b"
SURROGATE = "a\ud800b"
LONG = "x" * 100_000


# --------------------------------------------------------------------------- helpers


async def db_snapshot(container: Container) -> dict[str, list[str]]:
    """Every row of every table, as sorted text: equal snapshots mean nothing changed."""
    rows: dict[str, list[str]] = {}
    async with container.db.session(write=False) as session:
        for table in metadata.sorted_tables:
            if not is_managed_table(table.name):
                continue
            result = await session.execute(select(table))
            rows[table.name] = sorted(repr(tuple(row)) for row in result)
    return rows


def problem_failure(response: httpx.Response) -> str | None:
    """Why this response is not a 4xx problem, or None when it is one."""
    status = response.status_code
    if not 400 <= status < 500:
        return f"status {status}: {response.text[:300]}"
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("application/problem+json"):
        return f"{status} with content-type {content_type!r}: {response.text[:200]}"
    body = response.json()
    if body.get("status") != status or not body.get("code"):
        return f"{status} problem without status/code: {body}"
    return None


@dataclass
class World:
    """Seeded objects that hostile requests aim at, and the actors' headers."""

    client: httpx.AsyncClient
    container: Container
    customer: dict[str, str]
    admin: dict[str, str]
    customer_email: str
    sku: str
    slug: str
    product_id: str
    variant_id: str
    cart_id: str
    line_id: str
    address_id: str
    order_id: str
    order_token: str
    intent_id: str
    customer_id: str

    async def probe_all(
        self, probes: list[tuple[str, Callable[[], Awaitable[httpx.Response]]]]
    ) -> None:
        """Run every probe; each must be a 4xx problem and the database must not change."""
        before = await db_snapshot(self.container)
        failures = []
        for label, send in probes:
            reason = problem_failure(await send())
            if reason:
                failures.append(f"{label}: {reason}")
        assert not failures, "\n".join(failures)
        after = await db_snapshot(self.container)
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"hostile input changed tables {changed}"


@pytest.fixture
async def world(client: httpx.AsyncClient, container: Container) -> World:
    customer_email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    customer = await create_user(container, email=customer_email)
    admin = await create_user(container, role="admin")
    product = await create_product(container, stock=50)
    sku = product.variants[0].sku
    customer_headers = auth_headers(container, customer)
    cart_id = await ready_cart(client, {sku: 1}, headers=customer_headers, email=customer_email)
    placed = expect(await checkout(client, cart_id, headers=customer_headers), 201)
    cart_id = await ready_cart(client, {sku: 2}, headers=customer_headers, email=customer_email)
    cart = expect(await client.get(f"{API}/carts/{cart_id}", headers=customer_headers), 200)
    address = expect(
        await client.post(
            f"{API}/me/addresses",
            json={
                "full_name": "Ada Lovelace",
                "line1": "1 Main Street",
                "city": "Berlin",
                "postal_code": "10115",
                "country": "DE",
            },
            headers=customer_headers,
        ),
        201,
    )
    return World(
        client=client,
        container=container,
        customer=customer_headers,
        admin=auth_headers(container, admin),
        customer_email=customer_email,
        sku=sku,
        slug=product.slug,
        product_id=str(product.id),
        variant_id=str(product.variants[0].id),
        cart_id=cart_id,
        line_id=str(cart["lines"][0]["id"]),
        address_id=str(address["id"]),
        order_id=str(placed["id"]),
        order_token=str(placed["order_token"]),
        intent_id=str(placed["payment"]["intent_id"]),
        customer_id=str(customer.id),
    )


# --------------------------------------------------------------------------- write endpoints

Actor = str  # "customer" | "admin" | "anonymous"


@dataclass
class Write:
    """A write endpoint with a valid body; probes replace one field at a time."""

    method: str
    path: str
    body: dict[str, Any]
    actor: Actor = "customer"
    headers: dict[str, str] | None = None
    body_optional: bool = False  # an empty body means "the defaults" (a valid request)

    def label(self) -> str:
        return f"{self.method} {self.path}"


def write_endpoints(w: World) -> list[Write]:
    c, o, a = w.cart_id, w.order_id, w.address_id
    return [
        Write(
            "POST",
            "/auth/register",
            {"email": "new@example.com", "password": "a long enough secret", "full_name": "N"},
            "anonymous",
        ),
        Write("POST", "/auth/refresh", {"refresh_token": "x" * 43}, "anonymous"),
        Write("POST", "/auth/logout", {"refresh_token": "x" * 43}, "anonymous"),
        Write("POST", "/auth/verify-email", {"token": "x" * 43}, "anonymous"),
        Write("POST", "/auth/password-reset", {"email": w.customer_email}, "anonymous"),
        Write(
            "POST",
            "/auth/password-reset/confirm",
            {"token": "x" * 43, "new_password": "another long secret"},
            "anonymous",
        ),
        Write("PATCH", "/me", {"full_name": "Ada", "locale": "en"}),
        Write(
            "POST",
            "/me/password",
            {"current_password": "wrong password", "new_password": "another long secret"},
        ),
        Write(
            "POST",
            "/me/addresses",
            {"full_name": "Ada", "line1": "1 Road", "city": "Berlin", "postal_code": "10115"}
            | {"country": "DE", "phone": "+49 30 1234"},
        ),
        Write("PATCH", f"/me/addresses/{a}", {"city": "Hamburg", "region": "HH"}),
        Write("PUT", "/me/wishlist", {"items": ["some-product"]}),
        Write("PATCH", f"/admin/customers/{w.customer_id}", {"role": "staff"}, "admin"),
        Write("POST", f"/carts/{c}/lines", {"sku": w.sku, "quantity": 1}),
        Write("PATCH", f"/carts/{c}/lines/{w.line_id}", {"quantity": 3}),
        Write(
            "PUT",
            f"/carts/{c}/address",
            {"email": "other@example.com", "shipping_address": {**ADDRESS, "city": "Köln"}},
        ),
        Write("PUT", f"/carts/{c}/shipping-method", {"code": "express"}),
        Write("POST", f"/carts/{c}/discount-codes", {"code": "WELCOME10"}),
        Write(
            "POST",
            "/checkout",
            {"cart_id": c, "customer_note": "ring twice"},
            headers={"Idempotency-Key": "hostile-1"},
        ),
        Write(
            "POST",
            "/admin/discounts",
            {"code": "HOSTILE", "kind": "fixed", "value": 100, "usage_limit": 5},
            "admin",
        ),
        Write("POST", f"/admin/orders/{o}/notes", {"note": "called the customer"}, "admin"),
        Write("POST", f"/admin/orders/{o}/cancel", {"reason": "fraud"}, "admin", None, True),
        Write(
            "POST", f"/admin/orders/{o}/refund", {"amount": 1, "reason": "x"}, "admin", None, True
        ),
        Write(
            "POST",
            f"/admin/orders/{o}/ship",
            {"carrier": "dhl", "tracking_number": "TRACK1"},
            "admin",
        ),
        Write(
            "POST",
            f"/payments/sandbox/intents/{w.intent_id}/confirm",
            {"client_secret": "cs", "card_number": "4242", "exp_month": 1}
            | {"exp_year": 2099, "cvc": "123"},
            "anonymous",
        ),
        Write(
            "POST",
            f"/admin/inventory/{w.sku}/adjustments",
            {"delta": 1, "reason": "recount"},
            "admin",
        ),
        Write("POST", "/admin/categories", {"name": "Hats", "slug": "hats"}, "admin"),
        Write("POST", "/admin/collections", {"title": "Summer", "slug": "summer"}, "admin"),
    ]


def _headers(w: World, write: Write) -> dict[str, str]:
    actor = {"customer": w.customer, "admin": w.admin, "anonymous": {}}[write.actor]
    return {**actor, **(write.headers or {})}


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every string leaf in a JSON value."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, (*path, i))]
    return []


def _replaced(body: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy


def _send_json(w: World, write: Write, body: Any) -> Callable[[], Awaitable[httpx.Response]]:
    # json.dumps escapes to ASCII, so even a lone surrogate goes out as the JSON text `\ud800`.
    return _raw(w, write, json.dumps(body))


def _each_string_field(w: World, value: str) -> list[tuple[str, Any]]:
    probes = []
    for write in write_endpoints(w):
        for path in _string_paths(write.body):
            body = _replaced(write.body, path, value)
            label = f"{write.label()} {'.'.join(map(str, path))}"
            probes.append((label, _send_json(w, write, body)))
    return probes


async def test_nul_bytes_in_every_string_field_are_refused(world: World) -> None:
    # PostgreSQL refuses NUL in text (SQLSTATE 22021); it must never get that far.
    await world.probe_all(_each_string_field(world, NUL))


async def test_lone_surrogates_in_every_string_field_are_refused(world: World) -> None:
    # "\ud800" is valid JSON but cannot be encoded as UTF-8 for the database or a response.
    await world.probe_all(_each_string_field(world, SURROGATE))


async def test_100k_character_strings_are_refused(world: World) -> None:
    await world.probe_all(_each_string_field(world, LONG))


async def test_huge_zero_and_negative_numbers_are_refused(world: World) -> None:
    probes = []
    for write in write_endpoints(world):
        for key, value in write.body.items():
            if isinstance(value, bool) or not isinstance(value, int):
                continue
            for number in (2**63, -(2**63) - 1, 10**30, -1, 0, 1e308, float("nan")):
                if key == "delta" and number in (0, -1):
                    continue  # a stock adjustment may be negative (shrinkage)
                if key == "value" and number == 0:
                    continue  # a zero-value discount is valid for free shipping
                body = {**write.body, key: number}
                if isinstance(number, float):
                    content = json.dumps(body)  # NaN is not JSON; send Python's spelling
                    probes.append((f"{write.label()} {key}={number}", _raw(world, write, content)))
                    continue
                probes.append((f"{write.label()} {key}={number}", _send_json(world, write, body)))
    for quantity in (2**63, 10**30, -5, 0):
        write = Write("POST", f"/carts/{world.cart_id}/lines", {"sku": world.sku})
        body = {"sku": world.sku, "quantity": quantity}
        probes.append((f"cart quantity {quantity}", _send_json(world, write, body)))
    await world.probe_all(probes)


def _raw(
    w: World, write: Write, content: str | bytes, content_type: str = "application/json"
) -> Callable[[], Awaitable[httpx.Response]]:
    async def send() -> httpx.Response:
        headers = {**_headers(w, write), "Content-Type": content_type}
        return await w.client.request(
            write.method, API + write.path, content=content, headers=headers
        )

    return send


async def test_deeply_nested_and_malformed_json_is_refused(world: World) -> None:
    deep_list = "[" * 100_000 + "]" * 100_000
    deep_object = '{"a":' * 50_000 + "1" + "}" * 50_000
    bodies: list[str | bytes] = [
        deep_list,
        deep_object,
        "",
        "null",
        "[]",
        '"just a string"',
        "{",
        '{"a": 1,}',
        b"\xff\xfe{}",  # not UTF-8
        b'{"sku": "\xed\xa0\x80"}',  # an encoded surrogate: invalid UTF-8
        '{"quantity": 1e999999}',
    ]
    probes = []
    for write in write_endpoints(world):
        for index, content in enumerate(bodies):
            if write.body_optional and content in ("", "null"):
                continue
            probes.append((f"{write.label()} body#{index}", _raw(world, write, content)))
        nested = {key: {"$gt": ""} for key in write.body}  # objects where scalars belong
        probes.append((f"{write.label()} objects", _send_json(world, write, nested)))
    await world.probe_all(probes)


async def test_json_nested_deeper_than_the_text_guard_inspects_is_refused(world: World) -> None:
    """The NUL guard inspected 64 levels and let a deeper `"a\\u0000b"` through; a body nested
    deeper than it inspects is now a 422 `validation_error`, on every write endpoint (a content
    document keeps any extra field: the NUL was stored)."""
    document = {"_type": "page", "title": "Deep", "slug": {"current": "deep"}, "body": []}
    writes = [
        *write_endpoints(world),
        Write("PUT", "/admin/content/documents/page-deep", {"extra": "", **document}, "admin"),
    ]
    before = await db_snapshot(world.container)
    failures = []
    for write in writes:
        for levels, leaf in ((65, NUL), (200, NUL), (65, "fine")):
            value: Any = leaf
            for _ in range(levels):
                value = {"a": value}
            field = next(iter(write.body))
            response = await _send_json(world, write, {**write.body, field: value})()
            code = response.json().get("code") if response.status_code < 500 else None
            if (response.status_code, code) != (422, "validation_error"):
                failures.append(f"{write.label()} {levels}: {response.status_code} {code}")
    assert not failures, "\n".join(failures)
    assert await db_snapshot(world.container) == before


async def test_wrong_content_types_are_refused(world: World) -> None:
    probes = []
    for write in write_endpoints(world):
        form = "&".join(f"{k}={v}" for k, v in write.body.items() if isinstance(v, str | int))
        json_text = json.dumps(write.body)
        for content, content_type in (
            (form, "application/x-www-form-urlencoded"),
            (json_text, "text/plain"),
            (json_text, "application/xml"),
            (
                "--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--",
                "multipart/form-data; boundary=b",
            ),
            ("--b--", "multipart/form-data"),  # no boundary parameter
        ):
            label = f"{write.label()} as {content_type}"
            probes.append((label, _raw(world, write, content, content_type)))
    # The OAuth2 password form, sent as JSON and as garbage.
    token = Write("POST", "/auth/token", {}, "anonymous")
    login = json.dumps({"username": world.customer_email, "password": "x"})
    probes.append(("token as JSON", _raw(world, token, login)))
    probes.append(
        (
            "token form NUL",
            _raw(
                world, token, "username=a%00b&password=c%00d", "application/x-www-form-urlencoded"
            ),
        )
    )
    probes.append(
        (
            "token form invalid UTF-8",
            _raw(
                world,
                token,
                b"username=%ff%fe&password=%ed%a0%80",
                "application/x-www-form-urlencoded",
            ),
        )
    )
    probes.append(
        (
            "token form huge",
            _raw(world, token, "username=a&password=" + LONG, "application/x-www-form-urlencoded"),
        )
    )
    await world.probe_all(probes)


# --------------------------------------------------------------------------- URLs and headers


def _get(
    w: World, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> Callable[[], Awaitable[httpx.Response]]:
    async def send() -> httpx.Response:
        # A pre-encoded URL: httpx must not re-encode the attacker's bytes.
        url = httpx.URL("http://testserver" + path)
        return await w.client.request(method, url, headers=headers or {})

    return send


async def test_hostile_query_parameters_are_refused(world: World) -> None:
    c, a = world.customer, world.admin
    # Each list with the parameters it declares (unknown parameters are ignored, as usual).
    lists = [
        ("/api/v1/products", c, "q price_min price_max sort in_stock limit facets"),
        ("/api/v1/orders", c, "limit"),
        ("/api/v1/admin/customers", a, "limit email"),
        ("/api/v1/admin/orders", a, "limit email status created_from"),
        ("/api/v1/admin/products", a, "limit q status"),
        (f"/api/v1/collections/{world.slug}", c, "limit sort in_stock"),
    ]
    values = {
        "limit": ["0", "-1", "101", str(2**63), "1e3", "abc", "%00", ""],
        "q": ["%00", "a%00b"],
        "email": ["%00"],
        "price_min": [str(10**30), "-1", "NaN", "inf"],
        "price_max": ["-5", str(2**64)],
        "sort": ["%00", "price;DROP TABLE product", "x" * 1000],
        "in_stock": ["maybe", "%00"],
        "created_from": ["not-a-date", "99999-01-01", "0000-00-00T00:00:00"],
        "status": ["%00", "not_a_status"],
        "facets": ["%00"],
    }
    probes = []
    for path, headers, names in lists:
        for name in names.split():
            for value in values[name]:
                label = f"{path}?{name}={value[:20]}"
                probes.append((label, _get(world, f"{path}?{name}={value}", headers)))
    # Long text in a query parameter, and the signed-order token.
    # 60k characters: about the longest URL a client sends (servers cap the request line lower)
    probes.append(("q 60k", _get(world, "/api/v1/products?q=" + "x" * 60_000, c)))
    for token in ("%00", "x" * 5000, "", "..%2f..%2f"):
        path = f"/api/v1/orders/{world.order_id}?token={token}"
        probes.append((f"order token {token[:10]}", _get(world, path)))
    await world.probe_all(probes)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FORGED_CURSORS = [
    "!!!not-base64!!!",
    "A",
    "%00",
    _b64(b"\xff\xfe\xfd"),
    _b64(b"garbage"),
    _b64(b"{}"),
    _b64(b"[]"),
    _b64(b"null"),
    _b64(b'"x"'),
    _b64(b"[1, 2]"),
    _b64(b'["2024-01-01T00:00:00+00:00", "not-a-uuid"]'),
    _b64(b'["not-a-date", "00000000-0000-0000-0000-000000000000"]'),
    _b64(b'["0001-01-01T00:00:00+14:00", "00000000-0000-0000-0000-000000000000"]'),
    _b64(b'["9999-12-31T23:59:59-14:00", "00000000-0000-0000-0000-000000000000"]'),
    _b64(b'[1e999, "00000000-0000-0000-0000-000000000000"]'),
    _b64(b'{"created": "2024-01-01", "id": 1}'),
    _b64(b"[" * 5000 + b"]" * 5000),
    _b64(json.dumps([10**30, "00000000-0000-0000-0000-000000000000"]).encode()),
    _b64(json.dumps({"v": 10**30, "id": "00000000-0000-0000-0000-000000000000"}).encode()),
    _b64(json.dumps(["a\x00b", "00000000-0000-0000-0000-000000000000"]).encode()),
]


async def test_forged_cursors_are_refused(world: World) -> None:
    c, a = world.customer, world.admin
    lists = [
        ("/api/v1/products", c),
        ("/api/v1/products?sort=price_asc", c),
        ("/api/v1/products?sort=newest", c),
        ("/api/v1/orders", c),
        ("/api/v1/admin/customers", a),
        ("/api/v1/admin/orders", a),
        ("/api/v1/admin/products", a),
        (f"/api/v1/collections/{world.slug}", c),
    ]
    probes = []
    for path, headers in lists:
        joiner = "&" if "?" in path else "?"
        for index, cursor in enumerate(FORGED_CURSORS):
            url = f"{path}{joiner}cursor={cursor}"
            probes.append((f"{path} cursor#{index}", _get(world, url, headers)))
    await world.probe_all(probes)


def _cursor(value: Any) -> str:
    return _b64(json.dumps(value).encode())


_T, _ID = "2026-12-05T14:09:18+00:00", "00000000-0000-0000-0000-000000000000"
# Tampered cursors by the shape each list writes (platform.pagination reads them all back).
TAMPERED_CURSORS = {
    "any": [
        "!!!",  # not base64
        "A",  # not a whole byte
        _b64(b"\xff\xfe"),  # not UTF-8
        _b64(b"garbage"),  # not JSON
        _b64(b"[" * 60),  # unfinished
        _b64(b"NaN"),
        _cursor("x"),  # a JSON string
        _cursor(None),
        _cursor(10**30),
    ],
    "time_id": [
        _cursor([_T, True]),
        _cursor([_T, 1]),
        _cursor([_T, []]),
        _cursor([_T, {}]),
        _cursor([_T, 1e308]),
        _cursor([1, _ID]),
        _cursor([True, _ID]),
        _cursor([]),
        _cursor([_T]),
        _cursor([_T, _ID, _ID]),
        _cursor({"created": _T, "id": _ID}),
        _cursor(["9999-12-31T23:59:59-14:00", _ID]),
        _cursor(["0001-01-01T00:00:00+14:00", _ID]),
        _cursor([10**30, _ID]),
        _b64(b'[1e999, "' + _ID.encode() + b'"]'),
        _cursor(["a\x00b", _ID]),
        _cursor([_T, "\ud800"]),
    ],
    "sku": [
        _cursor(["x", "y"]),
        _cursor([1]),
        _cursor([["x"]]),
        _cursor([None]),
        _cursor(["a\x00b"]),
        _cursor(["\ud800"]),
    ],
    "product": [
        _cursor({"s": "newest", "k": "9999-12-31T23:59:59-14:00", "i": _ID}),
        _cursor({"s": "newest", "k": 1, "i": _ID}),
        _cursor({"s": "newest", "k": _T, "i": 1}),
        _cursor({"s": "newest", "k": _T, "i": _ID, "x": 1}),
        _cursor({"s": "price_asc", "k": True, "i": _ID}),
        _cursor({"s": "price_asc", "k": 10**30, "i": _ID}),
        _cursor({"s": "name", "k": "a\x00b", "i": _ID}),
        _cursor({"s": "relevance", "k": "1", "i": _ID}),
        _b64(b'{"s": "relevance", "k": 1e999, "i": "' + _ID.encode() + b'"}'),
        _cursor([_T, True]),
    ],
    "post": [
        _cursor(["2026-01-01T00:00:00Z", True]),
        _cursor(["2026-01-01T00:00:00Z\n", "post-1"]),
        _cursor([1, "post-1"]),
        _cursor(["2026-01-01T00:00:00Z"]),
    ],
}


async def test_tampered_cursors_are_invalid_cursor_on_every_list(world: World, app: Any) -> None:
    """Every list that takes a cursor answers a tampered one with 422 `invalid_cursor` (never a
    500 from a wrong element type, nor a 200 for a cursor of the wrong shape)."""
    discount = await world.client.post(
        f"{API}/admin/discounts",
        json={"code": "CURSORS", "kind": "fixed", "value": 100},
        headers=world.admin,
    )
    assert discount.status_code == 201, discount.text
    collection = await world.client.post(
        f"{API}/admin/collections",
        json={"title": "Cursors", "slug": "cursors"},
        headers=world.admin,
    )
    assert collection.status_code == 201, collection.text
    c, a = world.customer, world.admin
    lists = [
        ("/products", c, "product"),
        ("/products?sort=newest", c, "product"),
        ("/products?sort=price_asc", c, "product"),
        ("/products?sort=name", c, "product"),
        ("/products?q=shirt", c, "product"),
        ("/collections/cursors", c, "product"),
        ("/admin/products", a, "product"),
        ("/content/posts", {}, "post"),
        ("/orders", c, "time_id"),
        ("/admin/orders", a, "time_id"),
        ("/admin/customers", a, "time_id"),
        ("/admin/collections", a, "time_id"),
        ("/admin/shipments", a, "time_id"),
        ("/admin/tasks/dead", a, "time_id"),
        (f"/admin/inventory/{world.sku}/movements", a, "time_id"),
        ("/admin/discounts", a, "time_id"),
        (f"/admin/discounts/{discount.json()['id']}/usage", a, "time_id"),
        ("/admin/inventory", a, "sku"),
    ]
    # Lists whose cursor is not an encoded value: a pattern-checked id or token.
    plain = {"/api/v1/admin/content/documents", "/api/v1/integrations/social-feed"}
    paginated = {
        path
        for path, operations in app.openapi()["paths"].items()
        for operation in operations.values()
        if any(p["name"] == "cursor" for p in operation.get("parameters", []))
    }
    names = {world.sku: "{sku}", discount.json()["id"]: "{discount_id}", "cursors": "{slug}"}
    covered = set()
    for path, _, _ in lists:
        path = path.split("?")[0]
        for value, name in names.items():
            path = path.replace(f"/{value}", f"/{name}")
        covered.add("/api/v1" + path)
    assert paginated - plain == covered, "a list with a cursor is missing from this test"

    before = await db_snapshot(world.container)
    failures = []
    for path, headers, kind in lists:
        joiner = "&" if "?" in path else "?"
        for cursor in TAMPERED_CURSORS["any"] + TAMPERED_CURSORS[kind]:
            response = await world.client.get(
                f"{API}{path}{joiner}cursor={cursor}", headers=headers
            )
            is_json = "json" in response.headers.get("content-type", "")
            code = response.json().get("code") if is_json else None
            if response.status_code != 422 or code != "invalid_cursor":
                failures.append(f"{path} {base64_text(cursor)}: {response.status_code} {code}")
    assert not failures, "\n".join(failures)
    assert await db_snapshot(world.container) == before


def base64_text(cursor: str) -> str:
    """What a cursor decodes to, for a failure message."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()[:80]
    except ValueError:
        return cursor


def _forged_tokens(w: World) -> list[str]:
    claims = {"sub": w.customer_id, "role": "admin", "exp": 4102444800}
    none_alg = jwt.encode(claims, key="", algorithm="none")
    hs256 = jwt.encode(claims, key="guessed-secret", algorithm="HS256")
    real = w.customer["Authorization"].removeprefix("Bearer ")
    header, payload, signature = real.split(".")
    tampered_payload = _b64(json.dumps({**claims, "role": "admin"}).encode())
    return [
        none_alg,
        hs256,
        f"{header}.{tampered_payload}.{signature}",  # admin claim under the customer's signature
        f"{header}.{payload}.",  # signature stripped
        f"{header}.{payload}",
        "a.b.c",
        "....",
        "x" * 20_000,
        _b64(b"\xff" * 30) + "." + _b64(b"{") + ".x",
    ] + [
        # Headers of the wrong shape: a kid that is not a string, an alg list, a non-object.
        f"{_b64(json.dumps(h).encode())}.{payload}.{signature}"
        for h in (
            {"alg": "EdDSA", "kid": ["a"]},
            {"alg": ["EdDSA"]},
            [],
            {"alg": "EdDSA", "kid": "../../k"},
        )
    ]


async def test_malformed_authorization_headers_are_refused(world: World) -> None:
    probes = []
    raw_values = ["", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "bearer", "Token abc"]
    raw_values += [f"Bearer {token}" for token in _forged_tokens(world)]
    raw_values += ["Bearer " + world.customer["Authorization"] * 2]
    for value in raw_values:
        for path in ("/api/v1/me", "/api/v1/admin/customers", "/api/v1/orders"):
            probes.append(
                (
                    f"{path} Authorization {value[:30]!r}",
                    _get(world, path, {"Authorization": value}),
                )
            )

    # Bytes outside ASCII in the header (latin-1 on the wire).
    async def latin1() -> httpx.Response:
        headers = [(b"authorization", b"Bearer \xe9\xff")]
        return await world.client.get("/api/v1/me", headers=headers)

    probes.append(("latin-1 Authorization", latin1))
    await world.probe_all(probes)


async def test_malformed_idempotency_keys_are_refused(world: World) -> None:
    body = json.dumps({"cart_id": world.cart_id})
    probes = []
    for key in ["", " ", "x" * 10_000, "\t", "é".encode().decode("latin-1")]:

        async def send(key: str = key) -> httpx.Response:
            headers = [
                (b"authorization", world.customer["Authorization"].encode()),
                (b"content-type", b"application/json"),
                (b"idempotency-key", key.encode("latin-1")),
            ]
            return await world.client.post(f"{API}/checkout", content=body, headers=headers)

        probes.append((f"Idempotency-Key {key[:10]!r}", send))

    async def raw_bytes() -> httpx.Response:
        headers = {**world.customer, "Content-Type": "application/json"}
        headers_list = [*headers.items(), ("Idempotency-Key", "\xff\xfe")]
        return await world.client.post(
            f"{API}/checkout",
            content=body,
            headers=[(k.encode(), v.encode("latin-1")) for k, v in headers_list],
        )

    probes.append(("Idempotency-Key bytes", raw_bytes))

    async def twice() -> httpx.Response:
        headers = [
            (b"authorization", world.customer["Authorization"].encode()),
            (b"content-type", b"application/json"),
            (b"idempotency-key", b"one"),
            (b"idempotency-key", b""),
        ]
        return await world.client.post(f"{API}/checkout", content=body, headers=headers)

    probes.append(("Idempotency-Key twice, one empty", twice))
    await world.probe_all(probes)


async def test_malformed_if_match_headers_are_refused(world: World) -> None:
    probes = []
    targets = [
        ("PATCH", f"/admin/products/{world.product_id}", {"title": "Renamed"}),
        ("PATCH", f"/admin/variants/{world.variant_id}", {"price": 1}),
        ("DELETE", f"/admin/products/{world.product_id}", None),
        ("DELETE", f"/admin/variants/{world.variant_id}", None),
    ]
    for method, path, body in targets:
        # ("*" and the current ETag, W/"1", are valid preconditions: not probed here.)
        for value in [
            '"garbage"',
            "garbage",
            'W/"999"',
            '"',
            "",
            '"%00"',
            "x" * 10_000,
            '"7", "8"',
        ]:

            async def send(
                method: str = method, path: str = path, body: Any = body, value: str = value
            ) -> httpx.Response:
                headers = {**world.admin, "If-Match": value}
                return await world.client.request(method, API + path, json=body, headers=headers)

            probes.append((f"{method} {path} If-Match {value[:12]!r}", send))
    await world.probe_all(probes)


async def test_invalid_ids_in_paths_are_refused(world: World) -> None:
    bad_ids = [
        "not-a-uuid",
        "0",
        "-1",
        str(2**64),
        "%00",
        "%2e%2e%2fetc",  # (plain ".." is resolved by clients before sending)
        "x" * 2000,
        "00000000-0000-0000-0000-00000000000g",
        "%E2%80%AE",
        "%ED%A0%80",
        "%FF",
    ]
    templates = [
        ("GET", "/api/v1/carts/{}", world.customer),
        ("POST", "/api/v1/carts/{}/merge", world.customer),
        ("DELETE", f"/api/v1/carts/{world.cart_id}/lines/{{}}", world.customer),
        ("DELETE", "/api/v1/me/addresses/{}", world.customer),
        ("GET", "/api/v1/orders/{}", world.customer),
        ("GET", "/api/v1/orders/{}/shipments", world.customer),
        ("POST", "/api/v1/orders/{}/cancel", world.customer),
        ("GET", "/api/v1/admin/orders/{}", world.admin),
        ("POST", "/api/v1/admin/orders/{}/deliver", world.admin),
        ("GET", "/api/v1/admin/products/{}", world.admin),
        ("POST", "/api/v1/admin/discounts/{}/disable", world.admin),
        ("POST", "/api/v1/admin/tasks/dead/{}/replay", world.admin),
        ("GET", "/api/v1/products/{}", {}),
        ("GET", "/api/v1/collections/{}", {}),
        ("GET", "/api/v1/payments/sandbox/intents/{}/challenge?token=x", {}),
        ("POST", "/api/v1/payments/{}/webhook", {}),
    ]
    probes = []
    for method, template, headers in templates:
        for bad in bad_ids:
            path = template.format(bad)
            probes.append((f"{method} {path[:80]}", _get(world, path, headers, method)))
    await world.probe_all(probes)


async def test_path_traversal_under_media_is_refused(world: World) -> None:
    secret = world.container.settings.data_dir / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("top secret")
    paths = [
        "/media/../secret.txt",
        "/media/..%2fsecret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/%2e%2e%2fsecret.txt",
        "/media/....//secret.txt",
        "/media/..%5csecret.txt",
        "/media/%252e%252e%252fsecret.txt",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
        "/media/a%00b.png",
        "/media/",
        "/media/" + "a" * 5000,
        "/media/%ED%A0%80",
    ]
    probes = [(path[:60], _get(world, path)) for path in paths]
    await world.probe_all(probes)
    for path in paths:
        assert "top secret" not in (await _get(world, path)()).text


async def test_duplicate_query_parameters_never_fail_the_server(world: World) -> None:
    """Repeated parameters: the last one wins; an invalid repeat is still a 4xx problem."""
    c = world.customer
    probes = [
        ("limit twice, last invalid", _get(world, "/api/v1/products?limit=1&limit=500", c)),
        ("sort twice, last invalid", _get(world, "/api/v1/products?sort=newest&sort=bogus", c)),
        ("cursor twice, last forged", _get(world, "/api/v1/orders?cursor=&cursor=!!", c)),
        (
            "token twice, last wrong",
            _get(world, f"/api/v1/orders/{world.order_id}?token={world.order_token}&token=x"),
        ),
    ]
    await world.probe_all(probes)
    for url in ("/api/v1/products?limit=500&limit=1", "/api/v1/orders?limit=1&limit=2"):
        response = await _get(world, url, c)()
        assert response.status_code == 200, response.text


# --------------------------------------------------------------------------- emails


async def test_look_alike_emails_cannot_register_a_second_account(world: World) -> None:
    local, domain = world.customer_email.split("@")
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in local)
    variants = [
        world.customer_email.upper(),  # same account: 409
        f"  {world.customer_email}  ",
        f"{fullwidth}@{domain}",  # fullwidth letters look the same
        f"{local}\u200b@{domain}",  # zero-width space
        f"{local}\u0301@{domain}",  # a combining accent
        f"{local}@{domain}\u3002",  # ideographic full stop in the domain
        f"{local}@{domain.upper()}",
        f"{local}@{domain}.",
        f"{local}\x00@{domain}",
        f"{local}\ud800@{domain}",
        f"{local}@[127.0.0.1]",
        f'"{local}"@{domain}',
        f"{local}@{domain}\n",
        "a" * 400 + f"@{domain}",
    ]
    register = Write("POST", "/auth/register", {}, "anonymous")
    probes = []
    for email in variants:
        body = {"email": email, "password": "a long enough secret", "full_name": "Eve"}
        probes.append((f"register {email!r}", _send_json(world, register, body)))
    await world.probe_all(probes)


async def test_if_match_with_latin1_superscript_digits_is_refused(world: World) -> None:
    probes = []
    for value in (b'"\xb2"', b'W/"\xb9"', b"\xb3"):

        async def send(value: bytes = value) -> httpx.Response:
            headers = [(b"authorization", world.admin["Authorization"].encode())]
            headers.append((b"if-match", value))
            url = f"{API}/admin/products/{world.product_id}"
            return await world.client.patch(url, json={"title": "Renamed"}, headers=headers)

        probes.append((f"If-Match {value!r}", send))
    await world.probe_all(probes)


async def test_unicode_digits_in_card_data_are_refused(world: World) -> None:
    """'²'.isdigit() is True but int('²') raises: the card check must not 500 on them."""
    write = Write("POST", f"/payments/sandbox/intents/{world.intent_id}/confirm", {}, "anonymous")
    probes = []
    for number, cvc in (
        ("²" * 16, "123"),
        ("\uff14\uff12\uff14\uff12" * 4, "123"),
        ("4242424242424242", "²²³"),
    ):
        body = {"client_secret": "cs", "card_number": number, "exp_month": 1}
        body |= {"exp_year": 2099, "cvc": cvc}
        probes.append((f"card {number[:4]} cvc {cvc}", _send_json(world, write, body)))
    await world.probe_all(probes)


async def test_non_ascii_signatures_and_tokens_are_refused(world: World) -> None:
    """hmac.compare_digest raises TypeError on non-ASCII str: a guest order token or a
    webhook signature with such characters must still be a plain 4xx."""
    probes = []
    for suffix in ("", "/shipments"):
        path = f"/api/v1/orders/{world.order_id}{suffix}?token=%C3%A9%C3%BF"
        probes.append((f"GET order{suffix} token é", _get(world, path)))
    path = f"/api/v1/orders/{world.order_id}/cancel?token=%C3%A9"
    probes.append(("cancel order token é", _get(world, path, method="POST")))

    async def webhook() -> httpx.Response:
        headers = [
            (b"stripe-signature", b"t=1,v1=\xe9\xff"),
            (b"content-type", b"application/json"),
        ]
        return await world.client.post(
            f"{API}/payments/sandbox/webhook", content=b"{}", headers=headers
        )

    probes.append(("webhook signature latin-1", webhook))
    await world.probe_all(probes)


async def test_deeply_nested_catalog_import_is_refused(world: World) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000

    async def send() -> httpx.Response:
        headers = {**world.admin, "Content-Type": "application/json"}
        url = f"{API}/admin/products/import?format=json"
        return await world.client.post(url, content=nested, headers=headers)

    await world.probe_all([("import nested JSON", send)])


async def test_valid_unicode_still_passes(world: World) -> None:
    """The NUL/surrogate guard must not refuse real text: a surrogate *pair* (an emoji, escaped
    as JSON does), accents, and a literal backslash-u sequence."""
    name = "Zoë \U0001f600 \\u0000"
    body = json.dumps({"full_name": name})  # ASCII-escaped: "\ud83d\ude00"
    assert "\\ud83d\\ude00" in body
    headers = {**world.customer, "Content-Type": "application/json"}
    response = await world.client.patch(f"{API}/me", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == name
    search = await world.client.get(f"{API}/products", params={"q": "Zoë %00"})
    assert search.status_code == 200, search.text  # a literal "%00" typed by a shopper


async def test_refused_preflight_and_bad_content_length_are_problems(world: World) -> None:
    async def preflight(origin: bytes, method: bytes) -> httpx.Response:
        headers = [(b"origin", origin), (b"access-control-request-method", method)]
        return await world.client.options(f"{API}/products", headers=headers)

    async def content_length(value: bytes) -> httpx.Response:
        headers = [*((k.encode(), v.encode()) for k, v in world.customer.items())]
        headers.append((b"content-length", value))
        return await world.client.post(f"{API}/carts", headers=headers)

    probes: list[tuple[str, Callable[[], Awaitable[httpx.Response]]]] = [
        ("preflight evil origin", lambda: preflight(b"https://evil.example", b"POST")),
        ("preflight latin-1 origin", lambda: preflight(b"http://evil\xff", b"POST")),
        ("preflight bad method", lambda: preflight(b"https://evil.example", b"BREW")),
        ("content-length abc", lambda: content_length(b"abc")),
        ("content-length -1", lambda: content_length(b"-1")),
        ("content-length 10**23", lambda: content_length(b"99999999999999999999999")),
        ("content-length unicode digit", lambda: content_length("\u00b2".encode("latin-1"))),
    ]
    await world.probe_all(probes)
