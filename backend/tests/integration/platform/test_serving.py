"""Under `mercato serve` each response reaches the socket in one write: status line, headers and
body together. A process killed mid-answer has then sent nothing, and nginx retries the request
on another process instead of passing on a cut-off response (ADR 0052). Served by real uvicorn
over loopback, through the whole app: the edge, every middleware, the routers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from mercato.bootstrap import build_container
from mercato.main import create_app
from mercato.platform.serving import OneWriteHTTPProtocol
from tests.conftest import make_settings
from tests.factories import create_product
from tests.integration.checkout.helpers import ready_cart

SOCKET_WRITES: list[bytes] = []


class RecordedSockets(OneWriteHTTPProtocol):
    """Records every write that reaches the asyncio socket transport."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        write = transport.write

        def recorded(data: Any) -> None:
            SOCKET_WRITES.append(bytes(data))
            write(data)

        transport.write = recorded  # type: ignore[method-assign]
        super().connection_made(transport)


@pytest.fixture
async def served(tmp_path: Path, db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(db_url, tmp_path)
    container = build_container(settings)
    await create_product(container, title="Socket Lamp", stock=5, skus=["SOCK-1"])
    config = uvicorn.Config(
        create_app(settings, container),
        host="127.0.0.1",
        port=0,
        loop="none",
        http=RecordedSockets,
        lifespan="off",
        log_config=None,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        await serving
        await container.aclose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_every_response_is_one_socket_write(served: httpx.AsyncClient) -> None:
    cart_id = await ready_cart(served, {"SOCK-1": 1})
    requests = [
        ("GET", f"/api/v1/carts/{cart_id}"),  # a router's answer, through every middleware
        ("GET", "/api/v1/products?limit=5"),  # computed, then stored
        ("GET", "/api/v1/products?limit=5"),  # the edge's answer from the cache
        ("GET", "/api/v1/products/no-such-lamp"),  # a problem document
        ("POST", f"/api/v1/carts/{cart_id}/lines"),  # a validation error
    ]
    for method, path in requests:
        SOCKET_WRITES.clear()
        response = await served.request(method, path, json={} if method == "POST" else None)
        assert response.status_code in (200, 404, 422), (path, response.status_code)
        assert len(SOCKET_WRITES) == 1, (path, SOCKET_WRITES)
        (write,) = SOCKET_WRITES
        assert write.startswith(f"HTTP/1.1 {response.status_code} ".encode()), path
        assert write.endswith(response.content), path
