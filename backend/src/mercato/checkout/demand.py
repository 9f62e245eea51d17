"""The refusal read in front of every checkout, coalesced in a burst (ADR 0048).

`service._refuse_when_sold_out` reads, for one checkout, whether its Idempotency-Key was seen,
its cart and, per line, whether it can be bought and how many are available. In a flash sale the
buyers' requests arrive together and reach that read in the same turn of the event loop; one
statement each cost every loser a round trip and PostgreSQL a query. `DemandReads` sends a read
at once, in its single statement, when no other is under way; the reads asked for while one is
go together at the end of that turn of the loop: one statement for the keys seen and one for the
carts with their lines, each over the whole list, on one connection. It only reads: the
conditional reservation still decides every sale.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ARRAY, Row, Select, String, Uuid, any_, bindparam, exists, select, tuple_

from mercato.cart.models import Cart, CartLine
from mercato.catalog import service as catalog
from mercato.checkout.models import IdempotencyKey
from mercato.inventory import service as inventory

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from mercato.platform.db import Database


class DemandRead(NamedTuple):
    seen: bool  # the Idempotency-Key was used before: its answer is replayed, never refused
    rows: Sequence[Row[Any]]  # the cart's lines (status, customer_id, expires_at, sku, ...)


def _cart_columns() -> tuple[Any, ...]:
    return (
        Cart.status,
        Cart.customer_id,
        Cart.expires_at,
        CartLine.sku,
        CartLine.quantity,
        catalog.purchasable_sql(CartLine.sku).label("purchasable"),
        inventory.available_sql(CartLine.sku).label("available"),
    )


@functools.cache
def _one_statement() -> Select[Any]:
    """One checkout's read in one statement. Built once (with bind parameters): building it per
    request cost more CPU than PostgreSQL spent running it."""
    seen = exists().where(
        IdempotencyKey.scope == bindparam("scope"), IdempotencyKey.key == bindparam("key")
    )
    return (
        select(seen.label("seen"), *_cart_columns())
        .select_from(Cart)
        .outerjoin(CartLine, CartLine.cart_id == Cart.id)
        .where(Cart.id == bindparam("cart"))
    )


# A burst's reads are of any number: on PostgreSQL the lists go as arrays (`= ANY`), so each is
# one statement, prepared once per connection; an expanding IN is a new statement text, and a new
# server-side prepare, for every length. SQLite prepares nothing across calls: IN there.


@functools.cache
def _seen_statement(arrays: bool) -> Select[str, str]:
    """The stored keys among the pairs asked for: on PostgreSQL, among every scope and every
    key asked for (the caller keeps the pairs it asked for)."""
    columns = select(IdempotencyKey.scope, IdempotencyKey.key)
    if arrays:
        return columns.where(
            IdempotencyKey.scope == any_(bindparam("scopes", type_=ARRAY(String))),
            IdempotencyKey.key == any_(bindparam("keys", type_=ARRAY(String))),
        )
    return columns.where(
        tuple_(IdempotencyKey.scope, IdempotencyKey.key).in_(bindparam("pairs", expanding=True))
    )


@functools.cache
def _carts_statement(arrays: bool) -> Select[Any]:
    carts = (
        any_(bindparam("carts", type_=ARRAY(Uuid)))
        if arrays
        else bindparam("carts", expanding=True)
    )
    return (
        select(Cart.id, *_cart_columns())
        .select_from(Cart)
        .outerjoin(CartLine, CartLine.cart_id == Cart.id)
        .where(Cart.id == carts if arrays else Cart.id.in_(carts))
    )


class _Asked(NamedTuple):
    cart_id: uuid.UUID
    scope: str
    key: str
    answer: asyncio.Future[DemandRead]


class DemandReads:
    """One per API process (the container's): a read alone goes at once; the reads asked for
    while it is under way go together at the end of that loop turn."""

    def __init__(self) -> None:
        self._asked: list[_Asked] = []
        self._db: Database | None = None
        self._alone_under_way = False
        self._running: set[asyncio.Task[None]] = set()

    async def read(self, db: Database, cart_id: uuid.UUID, scope: str, key: str) -> DemandRead:
        if not self._alone_under_way and not self._asked:
            self._alone_under_way = True
            try:
                params = {"cart": cart_id, "scope": scope, "key": key}
                return await _read_one(db, params)
            finally:
                self._alone_under_way = False
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[DemandRead] = loop.create_future()
        self._asked.append(_Asked(cart_id, scope, key, answer))
        if len(self._asked) == 1:
            self._db = db
            # runs after every request already scheduled in this turn has asked
            loop.call_soon(self._send)
        return await answer

    def _send(self) -> None:
        asked, self._asked = self._asked, []
        db, self._db = self._db, None
        assert db is not None
        task = asyncio.ensure_future(self._answer(db, asked))
        self._running.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._running.discard)

    async def _answer(self, db: Database, asked: list[_Asked]) -> None:
        try:
            reads = await _read_many(db, asked)
        except Exception as exc:
            for one in asked:
                if not one.answer.done():
                    one.answer.set_exception(exc)
            return
        for one, read in zip(asked, reads, strict=True):
            if not one.answer.done():  # a request cancelled meanwhile (the client went away)
                one.answer.set_result(read)


async def prepare(connection: AsyncConnection) -> None:
    """Run this module's statements once on `connection`, with values that match nothing (a
    lone read, then a burst's two): on PostgreSQL asyncpg prepares a statement on each
    connection at its first use, and `Database.fill_pool` calls this for each connection it
    opens, so a burst after a start does not pay for it (ADR 0048)."""
    arrays = connection.dialect.name == "postgresql"
    nothing = uuid.uuid4()
    await connection.execute(_one_statement(), {"cart": nothing, "scope": "", "key": ""})
    keys: dict[str, Any] = {"scopes": [""], "keys": [""]} if arrays else {"pairs": [("", "")]}
    await connection.execute(_seen_statement(arrays), keys)
    await connection.execute(_carts_statement(arrays), {"carts": [nothing]})


async def _read_one(db: Database, params: dict[str, Any]) -> DemandRead:
    async with db.one_read() as connection:
        rows = (await connection.execute(_one_statement(), params)).all()
    return DemandRead(bool(rows and rows[0].seen), rows)


async def _read_many(db: Database, asked: list[_Asked]) -> list[DemandRead]:
    pairs = sorted({(one.scope, one.key) for one in asked})
    carts = sorted({one.cart_id for one in asked})
    arrays = db.dialect == "postgresql"
    if arrays:
        keys: dict[str, Any] = {
            "scopes": sorted({scope for scope, _ in pairs}),
            "keys": sorted({key for _, key in pairs}),
        }
    else:
        keys = {"pairs": pairs}
    async with db.one_read() as connection:
        # the keys first: a checkout whose key is stored after this read has claimed its cart
        # by then, and the second read finds the cart no longer open
        found = await connection.execute(_seen_statement(arrays), keys)
        seen = {(row.scope, row.key) for row in found}
        rows = (await connection.execute(_carts_statement(arrays), {"carts": carts})).all()
    by_cart: dict[uuid.UUID, list[Row[Any]]] = {}
    for row in rows:
        by_cart.setdefault(row.id, []).append(row)
    return [DemandRead((one.scope, one.key) in seen, by_cart.get(one.cart_id, [])) for one in asked]
