"""The stock gate on its own: who waits, who goes on, who is refused, and that no hold outlives
its checkout (an exception, a cancelled request)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from mercato.bootstrap import API_PROCESSES_ENV, api_processes
from mercato.checkout.stock_gate import QUIET_CEILING_SECONDS, StockGate
from mercato.inventory.exceptions import InsufficientStock


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_checkouts_beyond_the_units_wait_and_are_refused_when_the_winners_commit() -> None:
    gate = StockGate()
    events: list[str] = []
    release = asyncio.Event()

    async def buyer(name: str) -> None:
        try:
            async with gate.hold({"HOT": 1}, {"HOT": 2}) as hold:
                events.append(f"{name} admitted")
                await release.wait()
                hold.left_after_commit = {"HOT": 2 - int(name[-1])}
                hold.committed = True
        except InsufficientStock as exc:
            events.append(f"{name} refused, {exc.available} left")

    tasks = [asyncio.create_task(buyer(f"b{i}")) for i in (1, 2, 3, 4)]
    await _settle()
    assert events == ["b1 admitted", "b2 admitted"]  # b3 and b4 wait: 2 units, 2 held
    assert gate.held("HOT") == 2
    release.set()
    await asyncio.gather(*tasks)
    assert sorted(events[2:]) == ["b3 refused, 0 left", "b4 refused, 0 left"]
    assert gate.held("HOT") == 0
    assert gate.known_available("HOT") == 0


async def test_a_failed_checkout_gives_its_units_to_a_waiter() -> None:
    gate = StockGate()
    admitted: list[str] = []
    fail = asyncio.Event()

    async def declined() -> None:
        async with gate.hold({"ONE": 1}, {"ONE": 1}):
            admitted.append("first")
            await fail.wait()
            raise RuntimeError("payment declined")

    async def first() -> None:
        with pytest.raises(RuntimeError):
            await declined()

    async def second() -> None:
        async with gate.hold({"ONE": 1}, {"ONE": 1}) as hold:
            admitted.append("second")
            hold.left_after_commit, hold.committed = {"ONE": 0}, True

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await _settle()
    assert admitted == ["first"]
    fail.set()
    await asyncio.gather(*tasks)
    assert admitted == ["first", "second"]
    assert gate.held("ONE") == 0
    assert gate.known_available("ONE") == 0


async def test_a_cancelled_checkout_leaves_no_hold_behind() -> None:
    gate = StockGate()
    entered = asyncio.Event()

    async def stuck() -> None:
        async with gate.hold({"X": 1}, {"X": 1}):
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await entered.wait()
    second = gate.hold({"X": 1}, {"X": 1})  # kept: a dropped generator would release its hold
    waiter = asyncio.create_task(second.__aenter__())
    await _settle()
    assert not waiter.done()
    task.cancel()  # the client went away mid-checkout
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(waiter, timeout=5)  # its unit went to the waiter
    assert gate.held("X") == 1
    await second.__aexit__(None, None, None)
    assert gate.held("X") == 0


async def test_losing_to_another_process_teaches_the_gate_what_is_left() -> None:
    gate = StockGate()
    with pytest.raises(InsufficientStock):
        async with gate.hold({"SKU": 2}, {"SKU": 5}):
            raise InsufficientStock("SKU", 2, 1)  # another process took the rest meanwhile
    assert gate.known_available("SKU") == 1
    with pytest.raises(InsufficientStock):
        async with gate.hold({"SKU": 2}, {}):  # refused from what the gate knows
            pass
    async with gate.hold({"SKU": 2}, {"SKU": 7}):  # a read after a restock is believed
        assert gate.held("SKU") == 2


async def test_a_waiter_goes_the_whole_way_when_its_patience_runs_out() -> None:
    gate = StockGate(max_wait_seconds=0.05)
    # the second waits 0.05 s for the first, then goes on: the database will decide for it
    async with gate.hold({"S": 1}, {"S": 1}), gate.hold({"S": 1}, {"S": 1}):
        assert gate.held("S") == 2
    assert gate.held("S") == 0


async def test_commits_out_of_order_keep_the_lowest_level_left() -> None:
    gate = StockGate()
    order = asyncio.Event()

    async def reserve(left: int, wait: bool) -> None:
        async with gate.hold({"K": 1}, {"K": 3}) as hold:
            hold.left_after_commit = {"K": left}
            if wait:
                await order.wait()
            hold.committed = True

    late = asyncio.create_task(reserve(2, wait=True))  # reserved first, commits last
    await _settle()
    await reserve(1, wait=False)
    order.set()
    await late
    assert gate.known_available("K") == 1


async def test_a_read_begun_before_a_commit_cannot_raise_what_the_gate_knows() -> None:
    gate = StockGate(max_wait_seconds=0.05)
    before = gate.stamp()  # this buyer's read begins, sees 3 available...
    async with gate.hold({"R": 1}, {"R": 3}) as hold:  # ...while another buyer takes 3
        hold.left_after_commit, hold.committed = {"R": 0}, True
    with pytest.raises(InsufficientStock):
        async with gate.hold({"R": 1}, {"R": 3}, before):  # stale: refused from the commit
            pass
    async with gate.hold({"R": 1}, {"R": 4}, gate.stamp()):  # a read after it: a restock
        assert gate.known_available("R") == 4


async def test_with_several_processes_each_admits_its_share_of_the_units() -> None:
    """Two API processes that each admitted every unit they saw would run twice the checkouts
    the stock allows, the extra ones failing only at the reservation, after all their work.
    Each admits its share; what a commit leaves decides the next admissions."""
    gate = StockGate(processes=2)
    admitted: list[str] = []
    commit = {f"b{i}": asyncio.Event() for i in range(1, 6)}

    async def buyer(name: str, left: int) -> None:
        async with gate.hold({"HOT": 1}, {"HOT": 5}, seen_at=0) as hold:
            admitted.append(name)
            await commit[name].wait()
            hold.left_after_commit = {"HOT": left}
            hold.committed = True

    # b1 takes the first unit; the other process takes two meanwhile: b1's commit leaves 2
    tasks = [asyncio.create_task(buyer(f"b{i}", left)) for i, left in ((1, 2), (2, 1), (3, 0))]
    tasks += [asyncio.create_task(buyer(f"b{i}", 0)) for i in (4, 5)]
    await _settle()
    assert admitted == ["b1", "b2", "b3"]  # ⌈5 / 2⌉ units held at once
    commit["b1"].set()
    await _settle()
    assert admitted == ["b1", "b2", "b3"]  # 2 left, 2 held: no room
    commit["b2"].set()
    await _settle()
    assert admitted == ["b1", "b2", "b3"]  # 1 left, held by b3
    commit["b3"].set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[:3] == [None, None, None]
    assert all(isinstance(r, InsufficientStock) for r in results[3:])  # 0 left: refused


async def test_a_process_does_not_refill_its_share_with_units_the_other_holds() -> None:
    """A race for 10 units on two processes: this one admits its 5 while the other runs its 5.
    What this one's commits leave still counts the other's 5 (they reserve at their commits),
    so refilling to a share of it would run checkouts that fail only at the reservation. It
    admits none while it holds any; then one (nothing held), whose loss refuses the rest."""
    gate = StockGate(processes=2, max_wait_seconds=60)
    admitted: list[str] = []
    commit = {f"b{i}": asyncio.Event() for i in range(1, 7)}

    async def buyer(name: str, left: int) -> None:
        async with gate.hold({"HOT": 1}, {"HOT": 10}, seen_at=0) as hold:
            admitted.append(name)
            await commit[name].wait()
            if name == "b6":  # the other process's five have committed meanwhile
                raise InsufficientStock("HOT", 1, 0)
            hold.left_after_commit = {"HOT": left}
            hold.committed = True

    tasks = [asyncio.create_task(buyer(f"b{i}", 10 - i)) for i in range(1, 6)]
    tasks += [asyncio.create_task(buyer(f"b{i}", 0)) for i in range(6, 11)]
    await _settle()
    assert admitted == ["b1", "b2", "b3", "b4", "b5"]  # ⌈10 / 2⌉
    for i in range(1, 5):
        commit[f"b{i}"].set()
        await _settle()
        assert admitted == ["b1", "b2", "b3", "b4", "b5"], i  # 10 - i left: the other's 5 in it
    commit["b5"].set()
    await _settle()
    assert admitted[5:] == ["b6"]  # nothing held here: one goes on, to find out
    commit["b6"].set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[:5] == [None] * 5
    assert all(isinstance(r, InsufficientStock) for r in results[5:])
    assert admitted[5:] == ["b6"]  # the rest refused without a checkout


async def test_a_checkout_wanting_more_than_the_share_goes_on_when_nothing_is_held() -> None:
    gate = StockGate(processes=2, max_wait_seconds=60)
    admitted, done = asyncio.Event(), asyncio.Event()

    async def buyer() -> None:
        async with gate.hold({"HOT": 6}, {"HOT": 10}):  # share 5, but nothing else is held
            admitted.set()
            await done.wait()

    task = asyncio.create_task(buyer())
    await _settle()
    assert admitted.is_set()
    assert gate.held("HOT") == 6
    done.set()
    await task


@pytest.mark.parametrize(("told", "processes"), [("3", 3), ("", 1), ("0", 1), ("x", 1)])
def test_each_api_process_knows_how_many_serve_the_shop(
    monkeypatch: pytest.MonkeyPatch, told: str, processes: int
) -> None:
    monkeypatch.setenv(API_PROCESSES_ENV, told)  # what `mercato serve --workers N` sets
    assert api_processes() == processes


async def test_an_ended_hold_admits_the_waiters_that_now_fit_in_arrival_order() -> None:
    gate = StockGate()
    first = await gate.admit({"A": 1}, {"A": 1})
    admitted: list[str] = []

    async def waiter(name: str) -> None:
        hold = await gate.admit({"A": 1}, {"A": 1})
        admitted.append(name)
        gate.release(hold)

    tasks = [asyncio.create_task(waiter(f"w{i}")) for i in range(3)]
    await _settle()
    assert admitted == []
    gate.release(first)  # failed: its unit is free again, for one waiter at a time
    await asyncio.gather(*tasks)
    assert admitted == ["w0", "w1", "w2"]
    assert gate.held("A") == 0


async def test_a_waiter_admitted_as_its_request_is_cancelled_gives_its_hold_back() -> None:
    gate = StockGate()
    first = await gate.admit({"C": 1}, {"C": 1})
    task = asyncio.create_task(gate.admit({"C": 1}, {"C": 1}))
    await _settle()
    gate.release(first)  # admits the waiter: its hold is taken before its task runs again
    assert gate.held("C") == 1
    task.cancel()  # the client went away in the same turn
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gate.held("C") == 0


async def test_a_cancelled_waiter_leaves_nothing_behind() -> None:
    gate = StockGate()
    first = await gate.admit({"D": 1}, {"D": 1})
    task = asyncio.create_task(gate.admit({"D": 1}, {"D": 1}))
    await _settle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    gate.release(first)
    assert gate.held("D") == 0
    assert (await asyncio.wait_for(gate.admit({"D": 1}, {"D": 1}), 1)).wanted == {"D": 1}


class Levels:
    """What the gate's re-reads see: the other processes' commits, a restock, a failed read."""

    def __init__(self, available: int) -> None:
        self.available = available
        self.reads = 0
        self.fail = False

    async def __call__(self, skus: list[str]) -> dict[str, int]:
        self.reads += 1
        if self.fail:
            raise ConnectionError("the database is gone")
        return dict.fromkeys(skus, self.available)


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.001)


def _rereading(levels: Levels, *, quiet_seconds: float) -> StockGate:
    """One of two processes, re-reading `levels` every millisecond; a quiet period of at least
    `quiet_seconds` (60: none passes within a test, however slow the machine)."""
    return StockGate(
        processes=2,
        reread=levels,
        poll_seconds=0.001,
        quiet_floor_seconds=quiet_seconds,
        quiet_ceiling_seconds=max(quiet_seconds, QUIET_CEILING_SECONDS),
    )


async def _share_used(gate: StockGate) -> tuple[list[str], list[asyncio.Task[None]]]:
    """A race for 10 units on two processes, seen from this one: its 5 admitted and committed
    (leaving 5: the other process's checkouts are still in flight), 5 more buyers waiting."""
    admitted: list[str] = []
    commit = {f"b{i}": asyncio.Event() for i in range(1, 11)}

    async def buyer(name: str, left: int) -> None:
        async with gate.hold({"HOT": 1}, {"HOT": 10}, seen_at=0) as hold:
            admitted.append(name)
            await commit[name].wait()
            hold.left_after_commit = {"HOT": left}
            hold.committed = True

    tasks = [asyncio.create_task(buyer(f"b{i}", 10 - i)) for i in range(1, 6)]
    tasks += [asyncio.create_task(buyer(f"b{i}", 4)) for i in range(6, 11)]
    await _settle()
    assert admitted == ["b1", "b2", "b3", "b4", "b5"]
    for i in range(1, 6):
        commit[f"b{i}"].set()
    await asyncio.gather(*tasks[:5])
    for event in commit.values():
        event.set()  # a checkout admitted later commits at once, leaving 4
    return admitted, tasks[5:]


async def test_a_process_whose_share_is_used_learns_the_others_commits_without_a_checkout() -> None:
    """Nothing held here and its share used: the other process's five are still in flight or
    not coming. The gate re-reads the availability instead of letting a checkout go on to find
    out; when the other's commits take it to 0, every waiter is refused without a checkout."""
    levels = Levels(5)
    gate = _rereading(levels, quiet_seconds=60)
    admitted, waiting = await _share_used(gate)
    await _until(lambda: levels.reads >= 5)
    assert admitted == ["b1", "b2", "b3", "b4", "b5"]  # none let through to find out
    levels.available = 2  # three of the other's commit
    reads = levels.reads
    await _until(lambda: levels.reads >= reads + 5)
    assert admitted == ["b1", "b2", "b3", "b4", "b5"]
    assert gate.known_available("HOT") == 2
    levels.available = 0
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, InsufficientStock) for r in results), results
    assert admitted == ["b1", "b2", "b3", "b4", "b5"]


async def test_when_nothing_moves_for_a_quiet_period_one_checkout_goes_on_at_a_time() -> None:
    """The other process has no buyers: its units are still there. One checkout at a time finds
    out, each after a quiet period; each commit leaves what it leaves."""
    levels = Levels(5)
    gate = _rereading(levels, quiet_seconds=0.02)
    admitted, waiting = await _share_used(gate)
    await _until(lambda: len(admitted) == 6)
    assert gate.held("HOT") <= 1  # never two at once
    levels.available = 4  # what that checkout's own commit left
    await _until(lambda: len(admitted) == 7)
    levels.available = 0  # the other process sold the rest meanwhile
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert sum(r is None for r in results) == 2
    assert sum(isinstance(r, InsufficientStock) for r in results) == 3


async def test_a_restock_seen_by_the_rereads_is_a_fresh_start() -> None:
    levels = Levels(5)
    gate = _rereading(levels, quiet_seconds=60)
    admitted, waiting = await _share_used(gate)
    levels.available = 20  # restocked: a share of 10, and 5 buyers waiting
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert results == [None] * 5
    assert admitted[5:] == ["b6", "b7", "b8", "b9", "b10"]


async def test_when_the_reread_fails_one_checkout_goes_on_to_find_out() -> None:
    levels = Levels(5)
    levels.fail = True
    gate = _rereading(levels, quiet_seconds=60)
    admitted, waiting = await _share_used(gate)
    await _until(lambda: len(admitted) == 6)
    levels.fail = False
    levels.available = 0
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert sum(r is None for r in results) == 1
    assert admitted[5:] == ["b6"]
