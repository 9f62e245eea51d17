"""The ceiling: a bare ASGI app answering every GET with fixed bytes (the cached list body),
served by uvicorn exactly as `mercato serve` runs it.

python bench/catalog/ceiling.py PORT BODY_FILE [HEADERS_FILE]

With HEADERS_FILE (JSON: [[name, value], ...]) it sends those headers instead of only
content-type and content-length: the same response as Mercato's, header for header.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn

from mercato.platform.serving import HTTP_PROTOCOL


def make_app(body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    headers = headers or [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]

    async def app(scope: dict[str, Any], _receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


if __name__ == "__main__":
    port, body_file = int(sys.argv[1]), Path(sys.argv[2])
    same_headers = None
    if len(sys.argv) > 3:
        pairs = json.loads(Path(sys.argv[3]).read_text())
        same_headers = [(name.encode(), value.encode()) for name, value in pairs]
    uvicorn.run(
        make_app(body_file.read_bytes(), same_headers),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,  # as `mercato serve`; uvicorn's Date header stays on both
        http=HTTP_PROTOCOL,  # as `mercato serve`: each response in one socket write (ADR 0052)
    )
