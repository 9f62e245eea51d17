"""Which backups to keep: the newest one of each of the last N days, ISO weeks and months.

Periods count only when they have a backup (like restic's `--keep-daily`), so a shop whose
backups stopped for a month still keeps its last N daily ones. The newest backup is always kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime


def _newest_per_period(
    ordered: list[tuple[datetime, str]], count: int, period: Callable[[datetime], Hashable]
) -> set[str]:
    kept: set[str] = set()
    seen: set[Hashable] = set()
    for created, ident in ordered:
        if len(seen) >= count:
            break
        key = period(created)
        if key not in seen:
            seen.add(key)
            kept.add(ident)
    return kept


def select_kept(
    backups: Iterable[tuple[str, datetime]], *, daily: int, weekly: int, monthly: int
) -> set[str]:
    """The ids to keep among (id, created_at) pairs; the others may be deleted."""
    ordered = sorted(((c.astimezone(UTC), i) for i, c in backups), reverse=True)
    if not ordered:
        return set()
    kept = {ordered[0][1]}
    kept |= _newest_per_period(ordered, daily, lambda c: c.date())
    kept |= _newest_per_period(ordered, weekly, lambda c: c.isocalendar()[:2])
    kept |= _newest_per_period(ordered, monthly, lambda c: (c.year, c.month))
    return kept
