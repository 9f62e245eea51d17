"""A bare ASGI app answering every GET with the default product list read from the database on
each request: the least a miss can cost with a database round trip, on this machine.

python bench/catalog/bare_reads.py PORT DATABASE_URL MODE

MODE `cards` runs the list page's card statement as Mercato builds it (`catalog.cards`: the
page's products with their first image, category, compare-at price and stock, in one statement)
and serialises the rows with orjson; MODE `docs` reads 25 stored JSON documents from
`bench_card_doc` (what a stored, denormalised product card would hold, written by
`miss_bound.py`) and joins them. PostgreSQL through an asyncpg pool of four connections, one
prepared statement; SQLite through one `sqlite3` connection in the event loop's own thread.
No FastAPI, no SQLAlchemy at request time, no middleware: served by uvicorn as `mercato serve`
runs it (`HTTP_PROTOCOL`), like `ceiling.py`.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any
from uuid import UUID

import asyncpg
import uvicorn
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from mercato.catalog import cards
from mercato.catalog.models import Product
from mercato.platform.serving import HTTP_PROTOCOL

PAGE = 24
DOCS_SQL = (
    "SELECT doc FROM bench_card_doc WHERE status = 'active' "
    "ORDER BY created_at DESC, id DESC LIMIT 25"
)


def cards_sql(dialect_name: str) -> str:
    """The default list page's cards (newest first, one more than a page), as one SQL string."""
    page = (
        select(Product.id)
        .where(Product.status == "active")
        .order_by(Product.created_at.desc(), Product.id.desc())
        .limit(PAGE + 1)
    )
    statement = cards.statement_for(page, Product.created_at.desc(), Product.id.desc())
    dialect = postgresql.dialect() if dialect_name == "postgresql" else sqlite.dialect()
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def body_of(rows: list[Any], mode: str) -> bytes:
    if mode == "docs":
        items = b",".join(row[0].encode() for row in rows[:PAGE])
        return b'{"items":[' + items + b'],"next_cursor":null}'
    return cards.dump(
        {
            "items": [cards._card((str(row[0]), *tuple(row)[1:]), "EUR") for row in rows[:PAGE]],
            "next_cursor": None,
        }
    )


def make_app(url: str, mode: str) -> Any:
    parsed = make_url(url)
    postgres = parsed.get_backend_name() == "postgresql"
    sql = DOCS_SQL if mode == "docs" else cards_sql(parsed.get_backend_name())
    state: dict[str, Any] = {}

    async def read() -> list[Any]:
        if postgres:
            async with state["pool"].acquire() as connection:
                rows = await connection.fetch(sql)
            if mode == "cards":  # ids as text, as the cards' own statement reads them (UuidText)
                return [_text_ids(row) for row in rows]
            return list(rows)
        rows = state["db"].execute(sql).fetchall()
        if mode == "cards":  # sqlite3 returns ids and times as text: as the driver would parse
            rows = [_sqlite_card(row) for row in rows]
        return rows

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                if postgres:
                    dsn = parsed.set(drivername="postgresql").render_as_string(False)
                    state["pool"] = await asyncpg.create_pool(dsn, min_size=4, max_size=4)
                else:
                    state["db"] = sqlite3.connect(parsed.database or "", check_same_thread=False)
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = body_of(await read(), mode)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _text_ids(row: Any) -> tuple[Any, ...]:
    """asyncpg's own UUID objects (which orjson does not take) printed as the API shows them."""
    return tuple(str(value) if isinstance(value, UUID) else value for value in row)


def _sqlite_card(row: Any) -> tuple[Any, ...]:
    from datetime import datetime

    values = list(row)
    values[0] = UUID(values[0])
    values[6] = datetime.fromisoformat(values[6])
    if values[7] is not None:
        values[7] = UUID(values[7])
    return tuple(values)


if __name__ == "__main__":
    port, url, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    uvicorn.run(
        make_app(url, mode),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        http=HTTP_PROTOCOL,
    )
