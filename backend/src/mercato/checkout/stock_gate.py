"""Process-local admission of checkouts for SKUs that a burst is racing for (ADR 0048).

In a flash sale every buyer arrives before any winner has committed, so the read-only refusal
(`service._refuse_when_sold_out`) sees stock for all of them, and each loser used to pay a key
claim, an order transaction up to the reservation and a give-up before its 409. The gate keeps,
per SKU, the units that checkouts of this process are holding (admitted, transaction not ended)
and the freshest availability this process has seen (reads, and what each reservation left).
A checkout goes on while what it wants fits beside the holds; when it does not, it waits, without
a connection or a lock, until a hold ends: a winner's commit shows the SKU sold out (the waiter
gets its 409 without touching the database), a failed checkout gives its units back (a waiter
goes on). The hold's end settles the waiters there and then, in arrival order; only those whose
answer it changed are woken (in a race every commit used to wake every waiter of the process,
each to find it still had to wait).

With several API processes (`mercato serve --workers N` tells each one N), a process lets its
checkouts hold only its share of the units, ⌈available / N⌉: all of them arrive before the first
commit, and if each process admitted every unit it saw, N times the winners would run whole
checkouts, the extra ones failing only at the reservation, last in their transaction. The share
is of the availability last read, less what this process's own commits took since: what a
commit leaves still counts the units the other processes' checkouts hold until their commits.

When a process's own commits have used its share and it holds nothing, it cannot tell the other
processes' checkouts still in flight (they reserve at their commits) from peers with no buyers.
Letting one checkout go on to find out costs a whole checkout, and when the peers' checkouts are
slower it wins, takes one of their units, and the next one goes on: a chain of whole checkouts,
one after the other, before the waiters are answered. With `reread` (the container's), the gate
instead re-reads the availability every `POLL_SECONDS` while such waiters wait: a drop is the
other processes committing (at 0 every waiter is refused without a checkout), a rise a restock
(a fresh start); only when nothing has moved for a quiet period (as long as its own latest
checkout took, within `QUIET_FLOOR_SECONDS` and `QUIET_CEILING_SECONDS`: a process whose peers
have no buyers still sells on, one checkout per quiet period) does one checkout go on.

It is admission control, not the authority: each API process has its own gate, a restock in
another process is seen at the next read, and the conditional `UPDATE` of the reservation still
decides every sale. A waiter gives up waiting after `MAX_WAIT_SECONDS` and goes the whole way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from mercato.inventory.exceptions import InsufficientStock

MAX_WAIT_SECONDS = 10.0
POLL_SECONDS = 0.004  # how often a process whose share is used re-reads the availability
QUIET_FLOOR_SECONDS = 0.02  # the least time with nothing moving before one checkout finds out
QUIET_CEILING_SECONDS = 0.25  # the most a unit waits when the others have no buyers

# the available units of each SKU asked for, now (one read, outside any transaction)
Reread = Callable[[list[str]], Awaitable[Mapping[str, int]]]


@dataclass
class Hold:
    """Units one checkout holds while its transaction runs."""

    wanted: dict[str, int]
    left_after_commit: dict[str, int] = field(default_factory=dict)  # what its reservation left
    committed: bool = False
    started: float = field(default_factory=time.monotonic)


class StockGate:
    def __init__(
        self,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
        processes: int = 1,
        reread: Reread | None = None,
        poll_seconds: float = POLL_SECONDS,
        quiet_floor_seconds: float = QUIET_FLOOR_SECONDS,
        quiet_ceiling_seconds: float = QUIET_CEILING_SECONDS,
    ) -> None:
        self.max_wait_seconds = max_wait_seconds
        self.processes = max(1, processes)
        self.reread = reread  # None: one checkout goes on at once to find out (see the module)
        self.poll_seconds = poll_seconds
        self.quiet_floor_seconds = quiet_floor_seconds
        self.quiet_ceiling_seconds = quiet_ceiling_seconds
        # per SKU whose share this process's commits used, nothing held here: since when nothing
        # has moved (or the latest drop the re-reads saw)
        self._still_since: dict[str, float] = {}
        self._may_find_out: set[str] = set()  # quiet long enough: one checkout may go on
        self._checkout_seconds: dict[str, float] = {}  # per SKU, its latest commit's checkout
        self._watching: asyncio.Task[None] | None = None
        self._held: dict[str, int] = {}
        self._available: dict[str, int] = {}
        self._commits = 0  # committed holds so far; a read's stamp is the count when it began
        self._last_commit: dict[str, int] = {}  # per SKU, the count at its latest commit
        # per SKU, the units this process's commits took since availability was last read: its
        # share is of the availability before them (see `_blocking`)
        self._committed_here: dict[str, int] = {}
        # the checkouts waiting for a hold to end, in arrival order: what they want, their answer
        self._waiters: list[tuple[dict[str, int], asyncio.Future[Hold]]] = []

    def stamp(self) -> int:
        """Take before reading availability, and pass to `hold` with what the read saw."""
        return self._commits

    def _learn(self, seen: Mapping[str, int], seen_at: int | None) -> None:
        for sku, value in seen.items():
            known = self._available.get(sku)
            if known is None or seen_at is None or self._last_commit.get(sku, -1) <= seen_at:
                self._available[sku] = value
                self._committed_here.pop(sku, None)
            else:  # a reservation committed here after the read began knows better
                self._available[sku] = min(known, value)

    def held(self, sku: str) -> int:
        return self._held.get(sku, 0)

    def known_available(self, sku: str) -> int | None:
        return self._available.get(sku)

    def _blocking(self, wanted: Mapping[str, int]) -> bool:
        """Whether something wanted does not fit beside this process's holds: within what is
        available and, with several API processes, within this process's share of it (rounded
        up; a checkout that wants more than the share goes on when nothing else is held).

        The share is of the availability last read, less what this process's own commits took
        since: what a commit leaves still counts the units the other processes' checkouts are
        holding (their reservations come last, at their commits), so a share of it would let
        this process refill its holds into units already taken, each such checkout failing only
        at its reservation, after all its work."""
        for sku, quantity in wanted.items():
            available = self._available.get(sku)
            if available is None:
                continue
            held = self._held.get(sku, 0)
            if held + quantity > available:
                return True
            committed = self._committed_here.get(sku, 0)
            share = -(-(available + committed) // self.processes) - committed
            if held + quantity > share and (held or self._must_find_out_first(sku, committed)):
                return True
        return False

    def _must_find_out_first(self, sku: str, committed: int) -> bool:
        """Nothing held here, beyond the share: whether to wait for the re-reads before letting
        one checkout go on (only once this process's own commits have used its share)."""
        return self.reread is not None and committed > 0 and sku not in self._may_find_out

    def _refuse_if_sold_out(self, wanted: Mapping[str, int]) -> None:
        for sku, quantity in wanted.items():
            known = self._available.get(sku)
            if known is not None and quantity > known:
                raise InsufficientStock(sku, quantity, known)

    def _take(self, wanted: Mapping[str, int]) -> Hold:
        for sku, quantity in wanted.items():
            self._held[sku] = self._held.get(sku, 0) + quantity
            self._may_find_out.discard(sku)  # one checkout per quiet period
            self._still_since.pop(sku, None)
        return Hold(dict(wanted))

    async def admit(
        self, wanted: Mapping[str, int], seen: Mapping[str, int], seen_at: int | None = None
    ) -> Hold:
        """Admit a checkout of `wanted` units given the availability `seen` by its read (begun
        at `stamp()` `seen_at`; without it the read is taken as the freshest word). The caller
        must `release` the hold when its transaction has ended, whatever the outcome.

        Raises InsufficientStock when this process already knows the units are gone (the
        caller answers 409 without a transaction)."""
        self._learn(seen, seen_at)
        self._refuse_if_sold_out(wanted)
        if not self._blocking(wanted):
            return self._take(wanted)  # no await since the checks: nothing ran in between
        # Wait for `release` to settle it: a hold taken for us, or our 409. It decides for every
        # waiter when a hold ends, so a waiter whose answer did not change is not woken.
        waiter: asyncio.Future[Hold] = asyncio.get_running_loop().create_future()
        entry = (dict(wanted), waiter)
        self._waiters.append(entry)
        self._watch()
        try:
            async with asyncio.timeout(self.max_wait_seconds):
                return await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():  # settled as the time ran out
                return waiter.result()
            self._refuse_if_sold_out(wanted)
            return self._take(wanted)  # out of patience: the database decides
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release(waiter.result())  # admitted, but the request is gone
            raise
        finally:
            if not waiter.done():
                waiter.cancel()
            with suppress(ValueError):
                self._waiters.remove(entry)

    def _settle_waiters(self) -> None:
        """After a hold ended: refuse the waiters that no longer fit in what is left, admit the
        ones that now fit (in arrival order), leave the rest waiting."""
        waiting = []
        for wanted, waiter in self._waiters:
            if waiter.done():
                continue
            try:
                self._refuse_if_sold_out(wanted)
            except InsufficientStock as exc:
                waiter.set_exception(exc)
                continue
            if self._blocking(wanted):
                waiting.append((wanted, waiter))
            else:
                waiter.set_result(self._take(wanted))
        self._waiters = waiting
        self._watch()

    def _finding_out(self) -> set[str]:
        """The SKUs waiters wait for while nothing is held here and this process's commits
        have used its share: what the re-reads watch."""
        return {
            sku
            for wanted, waiter in self._waiters
            if not waiter.done()
            for sku in wanted
            if not self._held.get(sku) and self._committed_here.get(sku)
        }

    def _watch(self) -> None:
        if self.reread is None or self._watching is not None or not self._finding_out():
            return
        self._watching = asyncio.get_running_loop().create_task(self._reread_while_waiting())

    async def _reread_while_waiting(self) -> None:
        assert self.reread is not None
        skus: set[str] = set()
        try:
            while skus := self._finding_out():
                now = time.monotonic()
                for sku in skus:
                    self._still_since.setdefault(sku, now)
                await asyncio.sleep(self.poll_seconds)
                skus = self._finding_out()
                if not skus:
                    break
                seen_at = self.stamp()
                fresh = await self.reread(sorted(skus))
                self._reread(skus, fresh, seen_at)
                self._settle_waiters()
        except Exception:  # the read failed: one checkout goes on to find out, as without it
            self._may_find_out.update(skus)
            self._settle_waiters()
        finally:
            self._watching = None
        self._watch()  # a waiter may have come in as the watch ended

    def _reread(self, skus: set[str], fresh: Mapping[str, int], seen_at: int) -> None:
        now = time.monotonic()
        for sku in skus:
            if self._held.get(sku):
                continue  # one went on meanwhile: its commit or loss tells
            value = max(int(fresh.get(sku, 0)), 0)
            known = self._available.get(sku, 0)
            if value > known:  # restocked (or given back): a fresh start
                self._learn({sku: value}, seen_at)
                self._still_since.pop(sku, None)
            elif value < known:  # the other processes' checkouts are committing
                self._available[sku] = value
                self._still_since[sku] = now
            elif now - self._still_since.get(sku, now) >= self._quiet_seconds(sku):
                self._may_find_out.add(sku)

    def _quiet_seconds(self, sku: str) -> float:
        """As long as this process's latest checkout of the SKU took: the others' checkouts,
        begun with ours, commit by then (each commit seen restarts it) or are not coming."""
        latest = self._checkout_seconds.get(sku, 0.0)
        return min(max(latest, self.quiet_floor_seconds), self.quiet_ceiling_seconds)

    def lost(self, exc: InsufficientStock) -> None:
        """An admitted checkout lost to another process's reservation: learn what is left."""
        self._available[exc.sku] = exc.available

    @asynccontextmanager
    async def hold(
        self, wanted: Mapping[str, int], seen: Mapping[str, int], seen_at: int | None = None
    ) -> AsyncIterator[Hold]:
        """`admit`, then `release` when the block ends (`lost` when it raises InsufficientStock)."""
        hold = await self.admit(wanted, seen, seen_at)
        try:
            yield hold
        except InsufficientStock as exc:
            self.lost(exc)
            raise
        finally:
            self.release(hold)  # synchronous: a cancelled request cannot leave its hold behind

    def release(self, hold: Hold) -> None:
        for sku, quantity in hold.wanted.items():
            remaining = self._held.get(sku, 0) - quantity
            if remaining > 0:
                self._held[sku] = remaining
            else:
                self._held.pop(sku, None)
        if hold.committed:
            # reservations of one row are serial, so the lowest level left is the latest one
            # (transactions may commit in another order than they reserved); a restock shows up
            # at the next read
            self._commits += 1
            took = time.monotonic() - hold.started
            for sku in hold.wanted:
                self._checkout_seconds[sku] = took
            for sku, left in hold.left_after_commit.items():
                self._available[sku] = min(self._available.get(sku, left), left)
                self._last_commit[sku] = self._commits
                taken = hold.wanted.get(sku, 0)
                self._committed_here[sku] = self._committed_here.get(sku, 0) + taken
        if self._waiters:
            self._settle_waiters()
