"""Under `mercato serve` each response reaches the socket in one write: status line, headers and
body together. A process killed mid-answer has then sent nothing, and nginx retries the request
on another process instead of passing on a cut-off response (ADR 0052). Served by real uvicorn
over loopback, through the whole app: the edge, every middleware, the routers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

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
        access_log=False,  # as `mercato serve`: the app writes the access line
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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_cached_answer_is_written_from_its_preencoded_head(
    served: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The edge's answer skips uvicorn's header loop (ADR 0053) and its headers are the ones the
    full stack sent when it computed the same answer."""
    through_uvicorn: list[int] = []
    uvicorns_send = RequestResponseCycle.send

    async def counted(self: RequestResponseCycle, message: Any) -> None:
        if message["type"] == "http.response.start":
            through_uvicorn.append(message["status"])
        await uvicorns_send(self, message)

    monkeypatch.setattr(RequestResponseCycle, "send", counted)
    # as under `mercato serve`: uvicorn's access logger has no handler (pytest gives it some)
    monkeypatch.setattr(logging.getLogger("uvicorn.access"), "handlers", [])
    url = "/api/v1/products?limit=5&facets=false"  # a miss the router computes (not the edge)
    computed = await served.get(url)
    SOCKET_WRITES.clear()
    cached = await served.get(url, headers={"X-Request-ID": "hit-1"})

    assert through_uvicorn == [200]  # the computed answer only
    assert cached.status_code == 200
    assert cached.content == computed.content
    assert cached.headers["x-request-id"] == "hit-1"
    assert (computed.headers["x-cache"], cached.headers["x-cache"]) == ("MISS", "HIT")
    assert computed.headers["x-request-id"] != "hit-1"

    def same(response: httpx.Response) -> dict[str, str]:
        return {
            k: v
            for k, v in response.headers.items()
            if k not in ("x-request-id", "x-cache", "date")
        }

    assert same(cached) == same(computed)
    (write,) = SOCKET_WRITES
    head = write.split(b"\r\n\r\n")[0].split(b"\r\n")
    assert head[0] == b"HTTP/1.1 200 OK"
    assert len(head) - 1 == len(cached.headers.raw)  # every header once
