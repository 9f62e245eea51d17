"""A cached hit's response head, written by uvicorn from its header list and by
`PreencodedHeadCycle` from the edge's pre-encoded block (ADR 0053): CPU µs per response (start
and body messages) on a bare cycle, no socket, the two ways alternated in one run.

    .venv/bin/python bench/catalog/head_send.py [--responses 50000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from run import out
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from mercato.platform.serving import PREENCODED_HEAD, PreencodedHeadCycle, encode_head

# a cached list hit's headers, as the edge sends them
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", b"12345"),
    (b"etag", b'"84cc7472a4d7c5884703cd73a44caf59"'),
    (b"cache-control", b"public, max-age=0, must-revalidate"),
    (b"vary", b"Accept-Encoding, Origin"),
    (b"x-cache", b"HIT"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
REQUEST_ID = b"0123456789abcdef0123456789abcdef"
BODY = b"x" * 12345


class Socket:
    def write(self, data: Any) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _per_response(cycle_class: type[RequestResponseCycle], responses: int) -> float:
    socket = Socket()
    flow = FlowControl(socket)  # type: ignore[arg-type]
    defaults = [(b"date", b"Fri, 04 Dec 2026 19:00:00 GMT")]
    block, length = encode_head(HEADERS) or (b"", 0)
    preencode = cycle_class is PreencodedHeadCycle
    started = time.process_time()
    for _ in range(responses):
        cycle = cycle_class(
            {"method": "GET"},  # type: ignore[arg-type]
            socket,  # type: ignore[arg-type]
            flow,
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            False,
            defaults,
            asyncio.Event(),
            False,
            True,
            lambda: None,
        )
        headers = [*HEADERS, (b"x-request-id", REQUEST_ID)]  # as the edge builds them
        start: dict[str, Any] = {
            "type": "http.response.start",
            "status": 200,
            "headers": headers,
        }
        if preencode:
            start[PREENCODED_HEAD] = (
                block + b"x-request-id: %s\r\n" % REQUEST_ID,
                length,
            )
        await cycle.send(start)  # type: ignore[arg-type]
        await cycle.send({"type": "http.response.body", "body": BODY})
    return (time.process_time() - started) / responses * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"uvicorn's send": [], "pre-encoded head": []}
    for _ in range(args.rounds):
        results["uvicorn's send"].append(await _per_response(RequestResponseCycle, args.responses))
        results["pre-encoded head"].append(await _per_response(PreencodedHeadCycle, args.responses))
    headers = len(HEADERS) + 2  # with the date and the request id
    out(f"| {headers} headers, median of {args.rounds} | CPU µs per response | vs uvicorn |")
    out("|---|---:|---:|")
    first = statistics.median(results["uvicorn's send"])
    for name, values in results.items():
        median = statistics.median(values)
        out(f"| {name} | {median:.2f} | {median / first:.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
