"""Order numbers under concurrency: unique, from the configured start, never taken twice, on
both databases (PostgreSQL: a sequence without row locks; SQLite: the counter row)."""

from __future__ import annotations

import asyncio

from mercato.bootstrap import Container
from mercato.orders.service import next_order_number


async def _take(container: Container, *, rollback: bool = False) -> str:
    async with container.db.session() as session:
        number = await next_order_number(session, container.settings)
        if rollback:
            await session.rollback()
        return number


def _value(number: str) -> int:
    return int(number.removeprefix("MC-"))


async def test_concurrent_transactions_never_share_a_number(container: Container) -> None:
    numbers = await asyncio.gather(*[_take(container) for _ in range(40)])
    assert len(set(numbers)) == 40
    values = sorted(_value(n) for n in numbers)
    assert values[0] == container.settings.orders.number_start
    # a rolled-back transaction may leave a gap on PostgreSQL, never a repeat
    again = await _take(container, rollback=True)
    after = await _take(container)
    assert _value(after) > values[-1]
    assert after not in numbers
    assert again not in numbers


async def test_raising_the_start_moves_the_numbers_up_once(container: Container) -> None:
    first = await _take(container)
    assert _value(first) == container.settings.orders.number_start
    container.settings.orders.number_start = 50_000
    raced = await asyncio.gather(*[_take(container) for _ in range(10)])
    assert sorted(_value(n) for n in raced) == list(range(50_000, 50_010))
