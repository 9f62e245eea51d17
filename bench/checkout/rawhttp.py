"""A load generator light enough for the flash-sale race: plain HTTP/1.1 over asyncio streams.

httpx spent ~1.9 s of its own CPU on the race's 200 requests (new connections, h11, its
models), on the same 2 cores as the server, so the race's p99 measured the client as much as the
shop. Here every buyer's connection is opened first (untimed: the buyers are on the page when
the sale opens), each request is prebuilt bytes, and an answer is read as its status line, its
headers and a `Content-Length` (or chunked) body: a few tens of µs of client CPU per request.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    seconds: float  # from the request's first byte written to its answer's last byte read
    body: bytes


def checkout_request(host: str, cart_id: str) -> bytes:
    body = json.dumps({"cart_id": cart_id}).encode()
    head = (
        f"POST /api/v1/checkout HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nIdempotency-Key: {uuid.uuid4()}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            headers[name.strip().lower()] = value.strip()
    if b"content-length" in headers:
        return status, await reader.readexactly(int(headers[b"content-length"]))
    body = b""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readexactly(2)
    return status, body


async def race(host: str, port: int, cart_ids: list[str]) -> list[Answer]:
    """One connection per buyer, all requests written at once, every answer timed."""
    connections = [await asyncio.open_connection(host, port) for _ in cart_ids]
    requests = [checkout_request(f"{host}:{port}", cart_id) for cart_id in cart_ids]

    async def answer(reader: asyncio.StreamReader, started: float) -> Answer:
        status, body = await read_answer(reader)
        return Answer(status, time.perf_counter() - started, body)

    pending = []
    for (reader, writer), request in zip(connections, requests, strict=True):
        started = time.perf_counter()
        writer.write(request)
        pending.append(answer(reader, started))
    try:
        return list(await asyncio.gather(*pending))
    finally:
        for _, writer in connections:
            writer.close()


async def one_by_one(host: str, port: int, cart_ids: list[str]) -> list[Answer]:
    """Uncontended checkouts, one after the other on one kept-alive connection."""
    reader, writer = await asyncio.open_connection(host, port)
    answers = []
    try:
        for cart_id in cart_ids:
            started = time.perf_counter()
            writer.write(checkout_request(f"{host}:{port}", cart_id))
            status, body = await read_answer(reader)
            answers.append(Answer(status, time.perf_counter() - started, body))
    finally:
        writer.close()
    return answers
