"""usable_cpus: the affinity mask, capped by a cgroup v2 quota (a container's `--cpus`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mercato.platform.cpus import usable_cpus

AFFINITY = len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("max 100000\n", AFFINITY),  # no quota
        ("100000 100000\n", 1),  # --cpus 1
        ("150000 100000\n", min(AFFINITY, 2)),  # --cpus 1.5: two processes may share it
        ("5000 100000\n", 1),  # a twentieth of a CPU is still one process
        (f"{(AFFINITY + 8) * 100000} 100000\n", AFFINITY),  # a quota above the mask
        ("garbage\n", AFFINITY),
        ("", AFFINITY),
    ],
)
def test_a_cgroup_quota_caps_the_affinity_mask(cpu_max: str, expected: int, tmp_path: Path) -> None:
    path = tmp_path / "cpu.max"
    path.write_text(cpu_max)
    assert usable_cpus(path) == expected


def test_without_cgroup_v2_the_affinity_mask_counts(tmp_path: Path) -> None:
    assert usable_cpus(tmp_path / "missing") == AFFINITY


def test_the_affinity_mask_is_what_the_process_may_run_on(tmp_path: Path) -> None:
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})  # pinned to one core, as `--cpuset-cpus 0` would
    try:
        assert usable_cpus(tmp_path / "missing") == 1
    finally:
        os.sched_setaffinity(0, before)
