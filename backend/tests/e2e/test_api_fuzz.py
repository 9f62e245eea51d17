"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis + Hypothesis).

DESIGN §5: no input may produce a 5xx. Each operation gets schema-conforming ("positive") and
schema-violating ("negative") requests, sent in-process to the real app on SQLite and PostgreSQL,
once as a customer and once as an admin. Path parameters point at real seeded objects (product
slug, SKU, cart, line, address, user, paid order, payment intent, discount) half of the time, so
the handlers behind the 404s run.

Checks for every response: not a server error; its status is one the operation declares (the
storefront's generated client types exactly the declared responses); every 4xx is
`application/problem+json` with the status and a `code`; a documented 2xx response conforms to
its response schema.

Bounded and reproducible: a few examples per operation and mode, `derandomize=True` (a fixed
seed), no example database, no shrinking (every failure is collected and reported at once).
Nothing is excluded: the webhooks are fuzzed too (their signature check must answer 4xx).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.testclient import TestClient

from mercato.main import create_app
from tests.conftest import make_settings
from tests.factories import auth_headers, create_product, create_user

# Per operation and generation mode: ~3,000 requests for the whole suite. Raise it locally for a
# deeper hunt (MERCATO_FUZZ_EXAMPLES=200); CI keeps the bounded default.
MAX_EXAMPLES = int(os.environ.get("MERCATO_FUZZ_EXAMPLES", "8"))
# Operations that end the acting user's session run last, so they do not blind the others.
RUN_LAST = ("DELETE /api/v1/me", "POST /api/v1/auth/logout", "POST /api/v1/me/password")


@dataclass
class Seed:
    """Real objects the fuzzer can aim path parameters at."""

    headers: dict[str, str]
    path_values: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    operation: str
    mode: str
    request: str
    status: int
    body: str

    def __str__(self) -> str:
        return f"{self.operation} [{self.mode}] -> {self.status}\n  {self.request}\n  {self.body}"


@contextmanager
def running_app(db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    settings = make_settings(db_url, tmp_path, worker={"relay_after_commit": False})
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app


def seed(client: TestClient, container: Any, role: str) -> Seed:
    """A customer, an admin, a product, a cart with a line, an address; headers for `role`."""

    async def make_users() -> tuple[Any, Any]:
        customer = await create_user(container, role="customer")
        admin = await create_user(container, role="admin")
        return customer, admin

    customer, admin = client.portal.call(make_users)
    product = client.portal.call(lambda: create_product(container, stock=50))
    sku = product.variants[0].sku
    headers = auth_headers(container, customer if role == "customer" else admin)

    cart = client.post("/api/v1/carts", headers=headers).json()
    line = client.post(
        f"/api/v1/carts/{cart['id']}/lines", json={"sku": sku, "quantity": 1}, headers=headers
    ).json()
    address = client.post(
        "/api/v1/me/addresses",
        json={
            "full_name": "Ada Lovelace",
            "line1": "1 Main Street",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        headers=headers,
    ).json()
    order_id, intent_id = _paid_order(client, sku, headers)
    admin_headers = auth_headers(container, admin)
    discount = client.post(
        "/api/v1/admin/discounts",
        json={"code": "FUZZ10", "kind": "percentage", "value": 10},
        headers=admin_headers,
    ).json()
    values = {
        "order_id": order_id,
        "intent_id": intent_id,
        "discount_id": str(discount.get("id", "")),
        "slug": product.slug,
        "sku": sku,
        "product_id": str(product.id),
        "variant_id": str(product.variants[0].id),
        "cart_id": cart.get("id", ""),
        "line_id": _first_line_id(line),
        "address_id": str(address.get("id", "")),
        "user_id": str(customer.id),
        "customer_id": str(customer.id),
        "provider": "sandbox",
    }
    return Seed(headers=headers, path_values={k: v for k, v in values.items() if v})


def _paid_order(client: TestClient, sku: str, headers: dict[str, str]) -> tuple[str, str]:
    """An order paid with a sandbox test card: fulfil, ship and refund have something to act on."""
    cart_id = client.post("/api/v1/carts", headers=headers).json()["id"]
    client.post(f"/api/v1/carts/{cart_id}/lines", json={"sku": sku, "quantity": 2}, headers=headers)
    address = {"first_name": "Ada", "last_name": "Lovelace", "line1": "Unter den Linden 1"}
    address |= {"city": "Berlin", "postal_code": "10117", "country": "DE"}
    client.put(
        f"/api/v1/carts/{cart_id}/address",
        json={"email": "fuzz@example.com", "shipping_address": address},
        headers=headers,
    )
    client.put(
        f"/api/v1/carts/{cart_id}/shipping-method", json={"code": "standard"}, headers=headers
    )
    placed = client.post(
        "/api/v1/checkout",
        json={"cart_id": cart_id},
        headers={**headers, "Idempotency-Key": "fuzz-seed"},
    )
    assert placed.status_code == 201, placed.text
    payment = placed.json()["payment"]
    card = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    confirmed = client.post(
        f"/api/v1/payments/sandbox/intents/{payment['intent_id']}/confirm",
        json={"client_secret": payment["client_secret"], **card},
    )
    assert confirmed.status_code == 200, confirmed.text
    return str(placed.json()["id"]), str(payment["intent_id"])


def _first_line_id(cart: dict[str, Any]) -> str:
    lines = cart.get("lines") or []
    return str(lines[0]["id"]) if lines else ""


def _load_schema(client: TestClient) -> Any:
    raw = client.get("/openapi.json").json()
    return schemathesis.openapi.from_dict(raw)


def _operations(schema: Any) -> list[Any]:
    ops = [result.ok() for result in schema.get_all_operations()]
    return sorted(ops, key=lambda op: op.label in RUN_LAST)


def _strategy(operation: Any, mode: GenerationMode, seed_data: Seed) -> st.SearchStrategy[Any]:
    generated = operation.as_strategy(generation_mode=mode)
    names = {p.name for p in operation.path_parameters}
    known = {name: seed_data.path_values[name] for name in names if name in seed_data.path_values}
    if not known or mode is GenerationMode.NEGATIVE:
        return generated  # type: ignore[no-any-return]
    aimed = operation.as_strategy(generation_mode=mode, path_parameters=known)
    return st.one_of(generated, aimed)


def _send(client: TestClient, case: Any, headers: dict[str, str]) -> Any:
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
    sent_headers = {**(kwargs.get("headers") or {})}
    # The acting user's token, unless the case deliberately sends its own Authorization header.
    if not any(name.lower() == "authorization" for name in sent_headers):
        sent_headers.update(headers)
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": sent_headers,
        "params": kwargs.get("params"),
    }
    if kwargs.get("cookies"):
        request["cookies"] = kwargs["cookies"]
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    if "data" in kwargs:
        data = kwargs["data"]
        if isinstance(data, bytes | str):
            request["content"] = data
        else:  # form fields: the wire carries text (httpx refuses other values)
            request["data"] = {key: _form_value(value) for key, value in (data or {}).items()}
    if kwargs.get("files"):
        request["files"] = [(name, _file_part(part)) for name, part in kwargs["files"]]
    return client.request(**request)


def _file_part(part: Any) -> Any:
    """A multipart part whose generated content may be any JSON value: send its text."""
    if not isinstance(part, tuple):
        return part if isinstance(part, bytes | str) else json.dumps(part)
    filename, content, *rest = part
    if not isinstance(content, bytes | str):
        content = json.dumps(content)
    return (filename, content, *rest)


def _form_value(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    return value if isinstance(value, str) else json.dumps(value)


def _declared_statuses(client: TestClient) -> dict[str, set[str]]:
    """`"POST /api/v1/checkout"` -> the response statuses its OpenAPI operation declares."""
    raw = client.get("/openapi.json").json()
    return {
        f"{method.upper()} {path}": set(operation["responses"])
        for path, item in raw["paths"].items()
        for method, operation in item.items()
    }


def _problems(case: Any, response: Any, declared: set[str]) -> list[str]:
    """What is wrong with this response, if anything."""
    status = response.status_code
    if status >= 500:
        return ["server error"]
    found: list[str] = []
    if str(status) not in declared and "default" not in declared:
        found.append(f"status {status} is not declared in the OpenAPI document")
    if 400 <= status < 500:
        content_type = response.headers.get("content-type", "")
        if not content_type.startswith("application/problem+json"):
            found.append(f"4xx is not problem+json ({content_type})")
        else:
            body = response.json()
            if body.get("status") != status or not body.get("code"):
                found.append("problem body lacks status/code")
    elif 200 <= status < 300:
        try:
            case.validate_response(response, checks=[response_schema_conformance])
        except Exception as exc:
            found.append(f"response does not match its schema: {str(exc)[:300]}")
    return found


def fuzz_operation(
    client: TestClient,
    operation: Any,
    mode: GenerationMode,
    seed_data: Seed,
    statuses: Counter[str],
    declared: set[str],
) -> list[Failure]:
    failures: list[Failure] = []

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=_strategy(operation, mode, seed_data))
    def run(case: Any) -> None:
        response = _send(client, case, seed_data.headers)
        statuses[f"{operation.label} {response.status_code}"] += 1
        for problem in _problems(case, response, declared):
            failures.append(
                Failure(
                    operation=operation.label,
                    mode=f"{mode.value}: {problem}",
                    request=_describe(case),
                    status=response.status_code,
                    body=response.text[:400],
                )
            )

    # Unsatisfiable: nothing to negate (no parameters, no body); the positive pass covered it.
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        run()
    return failures


def _describe(case: Any) -> str:
    try:
        return str(case.as_curl_command())[:600]
    except Exception:  # a body curl cannot render still gets reported
        return f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r}"[:600]


def fuzz_all(
    client: TestClient, seed_data: Seed, keep: Callable[[Any], bool]
) -> tuple[list[Failure], Counter[str]]:
    """Fuzz the kept operations; the failures, and a count of `"<operation> <status>"`."""
    schema = _load_schema(client)
    declared = _declared_statuses(client)
    failures: list[Failure] = []
    statuses: Counter[str] = Counter()
    for operation in _operations(schema):
        if not keep(operation):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures.extend(
                fuzz_operation(
                    client, operation, mode, seed_data, statuses, declared[operation.label]
                )
            )
    return failures, statuses


def _report(failures: list[Failure]) -> str:
    seen: dict[tuple[str, str], Failure] = {}
    for failure in failures:
        seen.setdefault((failure.operation, failure.mode), failure)
    return f"{len(failures)} bad responses:\n" + "\n".join(str(f) for f in seen.values())


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_no_input_makes_a_server_error(db_url: str, tmp_path: Path, role: str) -> None:
    with running_app(db_url, tmp_path) as (client, app):
        seed_data = seed(client, app.state.container, role)
        failures, statuses = fuzz_all(client, seed_data, keep=lambda op: True)
    assert not failures, _report(failures)
    # The seeded ids and the token worked: many operations reached their handler's happy path.
    ok = (" 200", " 201", " 204")
    succeeded = {key.rsplit(" ", 1)[0] for key in statuses if key.endswith(ok)}
    assert len(succeeded) >= (15 if role == "customer" else 30), sorted(succeeded)


def test_fuzz_harness_reports_a_server_error(db_url: str, tmp_path: Path) -> None:
    """The harness can fail: a route that crashes on some input is caught and reported."""
    with running_app(db_url, tmp_path) as (client, app):

        @app.get("/api/v1/fuzz-canary")
        async def canary(n: int) -> dict[str, int]:
            return {"inverse": 1 // n}  # ZeroDivisionError for n == 0

        app.openapi_schema = None
        seed_data = Seed(headers={})
        failures, _ = fuzz_all(
            client, seed_data, keep=lambda op: op.label == "GET /api/v1/fuzz-canary"
        )
    assert any(f.status == 500 for f in failures), failures
    assert json.dumps([str(f) for f in failures])  # the report renders
