"""The OpenAPI document the storefront generates its TypeScript client from tells the truth.

What the fuzzer observes is checked against the declared statuses in tests/e2e/test_api_fuzz.py;
the generated TypeScript client is type-checked in test_typescript_client.py.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mercato.cli import app as cli
from mercato.openapi import document

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
OPTIONAL_BEARER = [{}, {"OAuth2PasswordBearer": []}]
BEARER = [{"OAuth2PasswordBearer": []}]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return document()


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (METHOD, path, operation)."""
    return {
        op["operationId"]: (method.upper(), path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }


def test_operation_ids_are_unique_camel_case_and_summarised(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(ids) > 70
    for path, item in spec["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            assert re.fullmatch(r"[a-z][a-zA-Z0-9]*", op["operationId"]), where
            summary = op.get("summary", "")
            assert summary, where
            assert "\n" not in summary, where
            # written for people, not FastAPI's fallback (the handler's name In Title Case)
            assert not re.fullmatch(r"[A-Z][a-z0-9]*( [A-Z][a-z0-9]*)+", summary), where


def test_the_storefront_operation_ids_are_stable(spec: dict[str, Any]) -> None:
    """The storefront calls by path, but its code and docs name these: a rename breaks them."""
    expected = {
        "listProducts": ("GET", "/api/v1/products"),
        "getProduct": ("GET", "/api/v1/products/{slug}"),
        "listCategories": ("GET", "/api/v1/categories"),
        "createCart": ("POST", "/api/v1/carts"),
        "getCart": ("GET", "/api/v1/carts/{cart_id}"),
        "addCartLine": ("POST", "/api/v1/carts/{cart_id}/lines"),
        "setCartAddress": ("PUT", "/api/v1/carts/{cart_id}/address"),
        "listShippingOptions": ("GET", "/api/v1/carts/{cart_id}/shipping-options"),
        "checkout": ("POST", "/api/v1/checkout"),
        "confirmSandboxPayment": ("POST", "/api/v1/payments/sandbox/intents/{intent_id}/confirm"),
        "getOrder": ("GET", "/api/v1/orders/{order_id}"),
        "signIn": ("POST", "/api/v1/auth/token"),
        "createProduct": ("POST", "/api/v1/admin/products"),
        "updateProduct": ("PATCH", "/api/v1/admin/products/{product_id}"),
    }
    ops = operations(spec)
    assert {name: ops[name][:2] for name in expected} == expected


def test_every_error_response_is_a_problem(spec: dict[str, Any]) -> None:
    text = json.dumps(spec)
    assert "HTTPValidationError" not in text
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "code",
    }
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert response.get("content") == PROBLEM, f"{method} {path} {status}"


def test_operations_declare_the_errors_they_answer(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    declared = {name: set(op["responses"]) for name, (_, _, op) in ops.items()}
    assert {"404", "409", "422", "428", "503"} <= declared["checkout"]
    assert {"401", "403", "404", "409", "412", "428"} <= declared["updateProduct"]
    assert {"401", "403", "412", "428"} <= declared["deleteCategory"]
    assert {"404", "409", "422"} <= declared["addCartLine"]
    assert {"401", "429"} <= declared["signIn"]
    assert "401" in declared["getMe"]
    assert "422" not in declared["getMe"]  # it takes no input
    assert "401" not in declared["listProducts"]  # public, no token read


def test_declared_success_responses_match_what_is_answered(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    create_cart = ops["createCart"][2]["responses"]
    assert {"200", "201"} <= set(create_cart)  # 201 new cart, 200 the customer's open cart
    assert create_cart["200"]["content"] == create_cart["201"]["content"]
    export = ops["exportProducts"][2]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/json"}


@pytest.mark.parametrize(
    ("operation", "model"),
    [
        ("addCartLine", "CartLineCreate"),
        ("setCartAddress", "CartAddressUpdate"),
        ("createAddress", "AddressCreate"),
        ("checkout", "CheckoutRequest"),
        ("confirmSandboxPayment", "SandboxCardConfirm"),
        ("createProduct", "ProductCreate"),
    ],
)
def test_main_request_bodies_have_valid_examples(
    spec: dict[str, Any], operation: str, model: str
) -> None:
    import importlib

    body = operations(spec)[operation][2]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    assert name == model
    examples = spec["components"]["schemas"][name]["examples"]
    assert examples
    modules = ("accounts", "cart", "checkout", "payments", "catalog")
    cls = next(
        getattr(mod, model)
        for mod in (importlib.import_module(f"mercato.{m}.schemas") for m in modules)
        if hasattr(mod, model)
    )
    for example in examples:
        cls.model_validate(example)  # an example the API itself would accept


def test_required_headers_are_required(spec: dict[str, Any]) -> None:
    ops = operations(spec)

    def header(name: str, operation: str) -> dict[str, Any]:
        params = ops[operation][2]["parameters"]
        return next(p for p in params if p["in"] == "header" and p["name"] == name)

    assert header("Idempotency-Key", "checkout")["required"] is True
    assert header("Idempotency-Key", "checkout")["schema"]["type"] == "string"
    for name in ("updateProduct", "deleteProduct", "updateCategory", "updateCollection"):
        assert header("If-Match", name)["required"] is True, name
    assert header("If-Match", "createVariant")["required"] is False  # optional there
    assert "x-mercato-required-header" not in json.dumps(spec)


def test_guest_operations_make_auth_optional(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    guest = [
        "createCart",
        "getCart",
        "addCartLine",
        "updateCartLine",
        "removeCartLine",
        "setCartAddress",
        "listShippingOptions",
        "setShippingMethod",
        "applyDiscountCode",
        "removeDiscountCode",
        "checkout",
        "getOrder",
        "listOrderShipments",
        "cancelOrder",
    ]
    for name in guest:
        assert ops[name][2]["security"] == OPTIONAL_BEARER, name
    for name in ("getMe", "listOrders", "mergeCart", "createProduct", "listAddresses"):
        assert ops[name][2]["security"] == BEARER, name


def _success_schema(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    for status, response in op["responses"].items():
        if status.startswith("2"):
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema and "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[-1]
                resolved: dict[str, Any] = spec["components"]["schemas"][name]
                return resolved
            return schema  # type: ignore[no-any-return]
    return None


def test_every_list_answers_items_and_next_cursor(spec: dict[str, Any]) -> None:
    """One rule (README): lists are `{items, next_cursor}`; a `limit` comes with a `cursor`."""
    documents = {"getWishlist", "replaceWishlist"}  # one document, replaced whole by PUT
    lists = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            schema = _success_schema(spec, op) or {}
            if op["operationId"] != "exportProducts":  # a file download, in the import format
                assert schema.get("type") != "array", f"{where} answers a bare array"
            is_list = schema.get("properties", {}).get("items", {}).get("type") == "array"
            if is_list and op["operationId"] not in documents:
                lists += 1
                assert "next_cursor" in schema["properties"], where
                assert "next_cursor" in schema.get("required", []), where
            query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            if "limit" in query:
                assert "cursor" in query, f"{where} takes a limit but no cursor"
    assert lists >= 12


def test_cli_writes_the_same_stable_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "openapi.json"
    runner = CliRunner()
    # The environment does not change the document (nor can an invalid one stop it).
    result = runner.invoke(cli, ["openapi", "--output", str(out)], env={"MERCATO_ENV": "bogus"})
    assert result.exit_code == 0, result.output
    assert os.listdir(cwd) == []  # no var/, no database, no keys left behind
    text = out.read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    again = runner.invoke(cli, ["openapi"])
    assert again.exit_code == 0
    assert again.stdout == text
    assert json.loads(text)["paths"]["/api/v1/checkout"]["post"]["operationId"] == "checkout"
