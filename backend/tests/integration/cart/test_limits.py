"""Configurable caps: lines per cart and a per-SKU quantity limit."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mercato.bootstrap import Container
from mercato.platform.config import Settings
from tests.conftest import make_settings
from tests.factories import create_product
from tests.integration.checkout.helpers import API, new_cart


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        db_url, tmp_path, cart={"max_lines": 2, "sku_quantity_limits": {"LIMITED-1": 2}}
    )


async def test_caps(client: httpx.AsyncClient, container: Container) -> None:
    for sku in ("LIMITED-1", "L-2", "L-3"):
        await create_product(container, price=100, stock=10, skus=[sku])
    cart_id = await new_cart(client)
    ok = await client.post(f"{API}/carts/{cart_id}/lines", json={"sku": "LIMITED-1", "quantity": 2})
    assert ok.status_code == 201
    assert ok.json()["lines"][0]["max_quantity"] == 2
    over = await client.post(
        f"{API}/carts/{cart_id}/lines", json={"sku": "LIMITED-1", "quantity": 1}
    )
    assert over.status_code == 422
    assert over.json()["code"] == "quantity_limit"
    assert (
        await client.post(f"{API}/carts/{cart_id}/lines", json={"sku": "L-2", "quantity": 1})
    ).status_code == 201
    third = await client.post(f"{API}/carts/{cart_id}/lines", json={"sku": "L-3", "quantity": 1})
    assert third.status_code == 422
    assert third.json()["code"] == "too_many_lines"
