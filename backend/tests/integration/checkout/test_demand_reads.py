"""The refusal reads of a burst go to the database together (`checkout.demand`): a read goes at
once when no other is under way, the ones asked meanwhile go in two statements together, and
every answer is the one that read alone gives; a failed read fails every checkout that asked,
and a cancelled one leaves the others their answers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import event

from mercato.bootstrap import Container
from mercato.cart import service as cart_service
from mercato.checkout.demand import DemandRead, DemandReads
from mercato.checkout.models import IdempotencyKey
from tests.factories import create_product
from tests.integration.checkout.helpers import guest_carts


def _summary(read: DemandRead) -> tuple[bool, list[tuple[str | None, int | None, int | None]]]:
    """What the refusal looks at: the key seen, and per line its SKU, quantity and availability."""
    lines = sorted((row.sku, row.quantity, row.available) for row in read.rows)
    return read.seen, lines


class _Statements:
    def __init__(self, container: Container) -> None:
        self.engine = container.db.engine.sync_engine
        self.count = 0

    def __enter__(self) -> _Statements:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.count += 1


async def test_a_burst_of_reads_is_two_statements_with_the_answers_of_single_reads(
    container: Container,
) -> None:
    await create_product(container, stock={"BURST-1": 3, "BURST-2": 0}, skus=["BURST-1", "BURST-2"])
    one_line = await guest_carts(container, "BURST-1", 3)
    async with container.db.session() as session:  # a cart of two lines
        cart = await cart_service.get_cart(session, uuid.UUID(one_line[0]), user_id=None)
        await cart_service.add_line(session, container.settings, cart, sku="BURST-2", quantity=1)
        session.add(  # a key seen before (its answer would be replayed)
            IdempotencyKey(scope="guest", key="seen-key", request_hash="x", owner="someone")
        )
    asked = [
        (uuid.UUID(one_line[0]), "guest", "k0"),
        (uuid.UUID(one_line[1]), "guest", "k1"),
        (uuid.UUID(one_line[1]), "guest", "seen-key"),  # the same cart, a key seen before
        (uuid.UUID(one_line[2]), "user:someone", "k2"),
        (uuid.uuid4(), "guest", "k3"),  # no such cart
    ]
    reads = DemandReads()
    with _Statements(container) as statements:
        alone = [_summary(await reads.read(container.db, *one)) for one in asked]
    assert statements.count == len(asked)  # one after the other: each alone, one statement

    with _Statements(container) as statements:
        together = await asyncio.gather(*(reads.read(container.db, *one) for one in asked))
    # the first goes at once, alone; the others, asked while it is under way, go together: the
    # keys seen, then the carts (not one statement per checkout)
    assert statements.count == 1 + 2
    assert [_summary(read) for read in together] == alone
    assert alone[0] == (False, [("BURST-1", 1, 3), ("BURST-2", 1, 0)])
    assert alone[2][0] is True
    assert alone[4] == (False, [])


async def test_a_failed_burst_read_fails_every_checkout_that_asked(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = DemandReads()

    async def broken(*_: Any) -> list[DemandRead]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("mercato.checkout.demand._read_many", broken)
    results = await asyncio.gather(
        *(reads.read(container.db, uuid.uuid4(), "guest", f"k{i}") for i in range(4)),
        return_exceptions=True,
    )
    assert results[0] == DemandRead(False, [])  # the first went alone
    assert [str(r) for r in results[1:]] == ["the database went away"] * 3


async def test_a_cancelled_read_leaves_the_others_their_answers(container: Container) -> None:
    reads = DemandReads()
    tasks = [
        asyncio.create_task(reads.read(container.db, uuid.uuid4(), "guest", f"k{i}"))
        for i in range(4)
    ]
    await asyncio.sleep(0)  # every task has asked (the first alone, the others together)
    tasks[2].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[2], asyncio.CancelledError)
    assert results[0] == results[1] == results[3] == DemandRead(False, [])


class _Texts(_Statements):
    """The SELECT statements' texts, in order."""

    def __init__(self, container: Container) -> None:
        super().__init__(container)
        self.texts: list[str] = []

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.texts.append(statement)


async def test_a_burst_matches_each_key_in_its_own_scope_and_has_one_text_per_statement(
    container: Container, db_backend: str
) -> None:
    """On PostgreSQL the lists go as arrays (scopes and keys apart): a key stored in another
    scope must not count as seen; and bursts of any size send the same statement texts, so each
    is prepared once per connection."""
    await create_product(container, stock=5, skus=["PAIR-1"])
    carts = [uuid.UUID(c) for c in await guest_carts(container, "PAIR-1", 4)]
    async with container.db.session() as session:
        session.add(IdempotencyKey(scope="guest", key="shared", request_hash="x", owner="a"))
        session.add(IdempotencyKey(scope="user:x", key="other", request_hash="x", owner="b"))
    reads = DemandReads()
    first = (carts[0], "guest", "first")  # goes alone
    asked = [
        (carts[1], "user:x", "shared"),  # this scope never used "shared"
        (carts[2], "guest", "other"),  # nor this one "other"
        (carts[3], "guest", "shared"),  # seen
    ]
    with _Texts(container) as small:
        answers = await asyncio.gather(*(reads.read(container.db, *one) for one in [first, *asked]))
    assert [answer.seen for answer in answers] == [False, False, False, True]

    more = [*asked, (carts[0], "guest", "more"), (carts[1], "guest", "more-2")]
    with _Texts(container) as large:
        await asyncio.gather(*(reads.read(container.db, *one) for one in [first, *more]))
    assert len(small.texts) == len(large.texts) == 3
    if db_backend == "postgresql":
        assert small.texts == large.texts
    else:  # SQLite keeps its IN lists (nothing is prepared across calls there)
        assert small.texts[1:] != large.texts[1:]
