"""Carrier quotes at checkout: the table methods priced by the carrier, cached; a carrier that
fails or hangs leaves the table rates and the checkout goes through."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from mercato.bootstrap import Container
from mercato.platform.config import Settings
from mercato.shipping.providers.port import (
    Carrier,
    CarrierRate,
    CarrierUnavailable,
    LabelRequest,
    PurchasedLabel,
    RateRequest,
    TrackingSnapshot,
    TrackQuery,
    WebhookNotice,
)
from tests.conftest import make_settings
from tests.factories import create_product
from tests.integration.checkout.helpers import API, checkout, expect, ready_cart


class Observed:
    """Delegates to a real carrier, counting rate calls; can fail or hang on demand."""

    def __init__(self, inner: Carrier) -> None:
        self.inner = inner
        self.name = inner.name
        self.sends_webhooks = inner.sends_webhooks
        self.calls = 0
        self.mode = "ok"  # ok | down | hang

    async def rates(self, request: RateRequest) -> list[CarrierRate]:
        self.calls += 1
        if self.mode == "down":
            raise CarrierUnavailable("connection refused")
        if self.mode == "hang":
            await asyncio.Event().wait()
        return await self.inner.rates(request)

    async def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        return await self.inner.buy_label(request)

    async def track(self, query: TrackQuery) -> TrackingSnapshot:
        return await self.inner.track(query)

    async def void_label(self, carrier_shipment_id: str) -> None:
        await self.inner.void_label(carrier_shipment_id)

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookNotice:
        return self.inner.verify_webhook(raw_body, headers)

    async def close(self) -> None:
        await self.inner.close()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        shipping={"checkout_rates": True, "quote_timeout_seconds": 0.3, "quote_cache_seconds": 300},
    )


def _observe(container: Container) -> Observed:
    observed = Observed(container.carriers.carriers["simulated"])
    container.carriers.carriers["simulated"] = observed
    return observed


async def _options(client: httpx.AsyncClient, cart_id: str) -> dict[str, int]:
    page = expect(await client.get(f"{API}/carts/{cart_id}/shipping-options"), 200)
    return {item["code"]: item["price"]["amount"] for item in page["items"]}


async def test_carrier_prices_the_table_methods_and_is_cached(
    client: httpx.AsyncClient, container: Container
) -> None:
    observed = _observe(container)
    await create_product(container, price=1500, stock=10, skus=["Q-1"], weight_grams=1500)
    cart_id = await ready_cart(client, {"Q-1": 1})
    # domestic (DE), 1.5 kg: Standard 450 + 60 per started kg after the first; Express x1.8
    assert await _options(client, cart_id) == {"standard": 510, "express": 918}
    assert await _options(client, cart_id) == {"standard": 510, "express": 918}
    placed = expect(await checkout(client, cart_id), 201)
    assert placed["shipping_total"]["amount"] == 510
    assert observed.calls == 1  # one quote, then the cache


@pytest.mark.parametrize("mode", ["down", "hang"])
async def test_a_failing_or_slow_carrier_falls_back_to_the_table(
    client: httpx.AsyncClient, container: Container, mode: str
) -> None:
    observed = _observe(container)
    observed.mode = mode
    await create_product(container, price=1500, stock=10, skus=["Q-2"], weight_grams=500)
    cart_id = await ready_cart(client, {"Q-2": 1})
    assert await _options(client, cart_id) == {"standard": 495, "express": 995}  # the table
    placed = expect(await checkout(client, cart_id), 201)
    assert placed["shipping_total"]["amount"] == 495
    assert observed.calls >= 1
