"""Every admin operation in the OpenAPI document refuses a customer (403) and a visitor (401).

The list comes from the app's own OpenAPI document (paths under /api/v1/admin or operations
tagged admin), so a route added later is covered without touching this file.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from mercato.bootstrap import Container
from tests.factories import auth_headers, create_user

_PLACEHOLDERS = {"sku": "SKU-1"}


def admin_operations(schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, concrete path, operation id) of every admin operation."""
    found: list[tuple[str, str, str]] = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            tags = operation.get("tags", [])
            if not (path.startswith("/api/v1/admin") or any("admin" in t for t in tags)):
                continue
            concrete = re.sub(
                r"\{([^}]+)\}", lambda m: _PLACEHOLDERS.get(m.group(1), str(uuid.uuid4())), path
            )
            found.append((method.upper(), concrete, operation["operationId"]))
    return found


async def test_customers_get_403_and_visitors_401_from_every_admin_operation(
    client: httpx.AsyncClient, container: Container
) -> None:
    schema = (await client.get("/openapi.json")).json()
    operations = admin_operations(schema)
    ids = {op_id for _, _, op_id in operations}
    # the list really is the admin surface (a broken filter must not pass with zero routes)
    assert {
        "getAdminOverview",
        "adminListProducts",
        "adjustStock",
        "refundOrder",
        "listCustomers",
        "getCustomer",
        "updateDiscount",
        "getDiscountUsage",
        "replayDeadTask",
        "listBackups",
        "listProviders",
        "verifyBackup",
        "resendOrderConfirmation",
        "listStockLevels",
    } <= ids
    customer = await create_user(container)
    headers = {**auth_headers(container, customer), "If-Match": '"1"'}
    wrong: list[str] = []
    for method, path, op_id in operations:
        as_customer = await client.request(method, path, headers=headers, json={})
        if as_customer.status_code != 403:
            wrong.append(f"{op_id} as customer: {as_customer.status_code}")
        elif as_customer.headers["content-type"] != "application/problem+json":
            wrong.append(f"{op_id} as customer: not a problem document")
        anonymous = await client.request(method, path, json={})
        if anonymous.status_code != 401:
            wrong.append(f"{op_id} anonymous: {anonymous.status_code}")
    assert wrong == []


async def test_staff_passes_the_same_check(client: httpx.AsyncClient, container: Container) -> None:
    """The 403s above come from the role check: staff reach the handlers (no 401/403)."""
    staff = await create_user(container, role="staff")
    headers = auth_headers(container, staff)
    for path in ("/api/v1/admin/overview", "/api/v1/admin/inventory", "/api/v1/admin/customers"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
