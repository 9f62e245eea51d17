"""How many CPUs this process may really use, inside a container too.

`os.cpu_count()` counts the host's CPUs. A container started with `--cpus 1` (a cgroup v2 CPU
quota) or pinned to a few cores (`--cpuset-cpus`, the affinity mask) sees the whole host there,
and a process count derived from it oversubscribes the CPU the container was given.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """The CPUs of this process's affinity mask, capped by the cgroup v2 quota (`cpu.max`:
    "<quota> <period>" in µs, or "max <period>" for none), rounded up; at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity masks on this platform (macOS)
        cpus = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):  # no cgroup v2 here, or a file we cannot read: no quota known
        pass
    return max(1, cpus)
