"""The floor of `bench/checkout`: what one checkout costs with nothing but its essential writes.

A bare ASGI app (no framework, no middleware) with an asyncpg pool, served by the same uvicorn as
`mercato serve` and driven by the same load generator. `POST /api/v1/checkout` with
`{"cart_id": ...}` and an `Idempotency-Key` does, in one transaction on Mercato's own tables
(same indexes, constraints and triggers): the idempotency row, the conditional stock reservation
(`UPDATE ... RETURNING`, 409 when short), the order number, the order, its line, the payment
intent row and the outbox row. It reads no cart and prices nothing: the cart-to-SKU map is given
up front (`FLOOR_CARTS`, a JSON file), so every millisecond Mercato spends above this is the price
of doing a checkout properly (validation, pricing, idempotent replays, the payment gateway).

    FLOOR_DATABASE_URL=postgresql://... FLOOR_CARTS=carts.json uvicorn floor:app
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import asyncpg

_pool: asyncpg.Pool | None = None
_carts: dict[str, str] = {}  # cart id -> SKU
_PRICE = 1500
_ADDRESS = json.dumps({"country": "DE", "line1": "Teststr. 1", "city": "Berlin"})


async def _start() -> None:
    global _pool
    _carts.update(json.loads(Path(os.environ["FLOOR_CARTS"]).read_text()))
    size = int(os.environ.get("FLOOR_POOL_SIZE", "10"))  # Mercato's default pool size
    _pool = await asyncpg.create_pool(
        os.environ["FLOOR_DATABASE_URL"], min_size=size, max_size=size
    )


async def _checkout(cart_id: str, key: str) -> tuple[int, dict[str, Any]]:
    assert _pool is not None
    sku = _carts[cart_id]
    order_id, payment_id = uuid.uuid4(), uuid.uuid4()
    async with _pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO idempotency_key (id, scope, key, request_hash, status, owner, locked_at,"
            " created_at) VALUES ($1, 'checkout', $2, 'h', 'in_progress', 'floor', now(), now())",
            uuid.uuid4(),
            key,
        )
        reserved = await conn.fetchval(
            "UPDATE stock_level SET reserved = reserved + 1, updated_at = now() "
            "WHERE sku = $1 AND on_hand - reserved >= 1 RETURNING reserved",
            sku,
        )
        if reserved is None:
            raise _SoldOut
        number = await conn.fetchval("SELECT nextval('order_number_seq')")
        await conn.execute(
            "INSERT INTO shop_order (id, number, email, customer_name, status, currency, subtotal,"
            " discount_total, shipping_total, tax_total, total, prices_include_tax,"
            " shipping_address, billing_address, shipping_method, amount_paid, amount_refunded,"
            " created_at, updated_at) VALUES ($1, $2, 'floor@example.com', 'Floor', "
            "'pending_payment', 'EUR', $3, 0, 0, 0, $3, true, $4, $4, '{}', 0, 0, now(), now())",
            order_id,
            f"FL-{number}",
            _PRICE,
            _ADDRESS,
        )
        await conn.execute(
            "INSERT INTO order_line (id, order_id, position, sku, product_title, variant_title,"
            " quantity, unit_price, subtotal, discount_amount, tax_rate_bp, tax_amount, total,"
            " quantity_fulfilled) VALUES ($1, $2, 0, $3, 'Mug', 'One size', 1, $4, $4, 0, 0, 0,"
            " $4, 0)",
            uuid.uuid4(),
            order_id,
            sku,
            _PRICE,
        )
        await conn.execute(
            "INSERT INTO payment (id, order_id, provider, intent_id, status, capture_method,"
            " currency, amount, amount_authorized, amount_captured, amount_refunded, created_at,"
            " updated_at) VALUES ($1, $2, 'sandbox', $3, 'requires_payment_method', 'automatic',"
            " 'EUR', $4, 0, 0, 0, now(), now())",
            payment_id,
            order_id,
            f"pi_{payment_id.hex}",
            _PRICE,
        )
        await conn.execute(
            "INSERT INTO outbox_event (id, event_type, payload, created_at, publish_attempts)"
            " VALUES ($1, 'OrderPlaced', $2, now(), 0)",
            uuid.uuid4(),
            json.dumps({"order_id": str(order_id)}),
        )
    return 201, {"id": str(order_id), "number": f"FL-{number}"}


class _SoldOut(Exception):
    pass


async def _send_json(send: Any, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await _start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/healthz":
        await _send_json(send, 200, {"status": "ok"})
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    key = dict(scope["headers"]).get(b"idempotency-key", b"").decode()
    try:
        status, answer = await _checkout(json.loads(body)["cart_id"], key)
    except _SoldOut:
        status, answer = 409, {"code": "insufficient_stock"}
    await _send_json(send, status, answer)
