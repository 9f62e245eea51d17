"""Retention: the newest backup of each of the last N days, ISO weeks and months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from mercato.backups.retention import select_kept

START = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)  # a Thursday


def nightly(days: int, *, extra_per_day: int = 0) -> list[tuple[str, datetime]]:
    """A controlled clock: one backup a night at 03:00 (plus manual ones at noon)."""
    backups = []
    for day in range(days):
        at = START + timedelta(days=day)
        backups.append((f"b{at:%Y%m%d}-03", at))
        for extra in range(extra_per_day):
            manual = at + timedelta(hours=9 + extra)
            backups.append((f"b{manual:%Y%m%d}-{manual:%H}", manual))
    return backups


def test_keeps_the_newest_of_each_of_the_last_n_days_weeks_and_months() -> None:
    backups = nightly(120)  # 2026-01-01 .. 2026-04-30
    kept = select_kept(backups, daily=7, weekly=4, monthly=3)
    days = {f"b202604{d:02d}-03" for d in range(24, 31)}
    # newest of each ISO week: Sundays, the current (partial) week's newest is 2026-04-30
    weeks = {"b20260430-03", "b20260426-03", "b20260419-03", "b20260412-03"}
    months = {"b20260430-03", "b20260331-03", "b20260228-03"}
    assert kept == days | weeks | months


def test_the_newest_backup_of_a_day_represents_it() -> None:
    backups = nightly(3, extra_per_day=2)
    kept = select_kept(backups, daily=2, weekly=0, monthly=0)
    assert kept == {"b20260103-13", "b20260102-13"}


def test_periods_without_backups_do_not_count() -> None:
    backups = nightly(5)
    late = START + timedelta(days=60)
    backups.append(("late", late))
    kept = select_kept(backups, daily=3, weekly=0, monthly=0)
    assert kept == {"late", "b20260105-03", "b20260104-03"}


def test_the_newest_backup_is_kept_even_with_zero_retention() -> None:
    backups = nightly(4)
    assert select_kept(backups, daily=0, weekly=0, monthly=0) == {"b20260104-03"}
    assert select_kept([], daily=7, weekly=4, monthly=6) == set()


def test_timezones_are_compared_in_utc() -> None:
    berlin = timezone(timedelta(hours=1))
    # 00:30 in Berlin on the 2nd is 23:30 UTC on the 1st: the same UTC day as the other one
    first = ("utc", datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    second = ("berlin", datetime(2026, 1, 2, 0, 30, tzinfo=berlin))
    assert select_kept([first, second], daily=1, weekly=0, monthly=0) == {"berlin"}
