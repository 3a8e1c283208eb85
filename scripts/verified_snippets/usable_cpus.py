"""How many CPUs this process may really use: the default for --jobs and the thread split.

`os.cpu_count()` counts the host's CPUs. On a CI runner or in a container the
process may be pinned to fewer (affinity) or capped by a CPU quota (cgroups), and
one worker per host CPU would then import torch dozens of times over for two
CPUs' worth of time.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def usable_cpus(cgroup_root: Path = CGROUP_ROOT) -> int:
    """The CPUs this process may run on, lowered to its CPU quota when there is one; at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota(cgroup_root)
    if quota is not None:
        cpus = min(cpus, quota)
    return max(1, cpus)


def cpu_quota(cgroup_root: Path = CGROUP_ROOT) -> int | None:
    """The CPU quota in whole CPUs (rounded up), or None when there is none or it cannot be read."""
    v2 = _read(cgroup_root / "cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"
    if v2 is not None:
        fields = v2.split()
        if len(fields) == 2 and fields[0] != "max":
            return _whole_cpus(fields[0], fields[1])
        return None
    for controller in ("cpu", "cpu,cpuacct"):  # cgroup v1: quota -1 means none
        quota = _read(cgroup_root / controller / "cpu.cfs_quota_us")
        period = _read(cgroup_root / controller / "cpu.cfs_period_us")
        if quota is not None and period is not None:
            return None if quota.strip() == "-1" else _whole_cpus(quota, period)
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _whole_cpus(quota: str, period: str) -> int | None:
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:
        return None
    if quota_us <= 0 or period_us <= 0:
        return None
    return max(1, math.ceil(quota_us / period_us))
