"""The CPU count behind --jobs and the thread split: affinity, lowered to a cgroup quota."""
from __future__ import annotations

import os

import pytest

from verified_snippets.usable_cpus import cpu_quota, usable_cpus


def cgroup(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu.max": "200000 100000\n"}, 2),
        ({"cpu.max": "150000 100000\n"}, 2),  # a CPU and a half: rounded up
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu,cpuacct/cpu.cfs_quota_us": "400000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, 4),
        ({"cpu.max": "garbage\n"}, None),
        ({"cpu.max": "0 100000\n"}, None),
        ({}, None),
    ],
)
def test_cpu_quota_reads_cgroup_v2_and_v1(tmp_path, files, quota):
    assert cpu_quota(cgroup(tmp_path, files)) == quota


def test_a_quota_lowers_the_affinity_count_and_never_raises_it(tmp_path):
    pinned = len(os.sched_getaffinity(0))
    assert usable_cpus(cgroup(tmp_path / "none", {})) == pinned
    assert usable_cpus(cgroup(tmp_path / "one", {"cpu.max": "100000 100000"})) == 1
    assert usable_cpus(cgroup(tmp_path / "many", {"cpu.max": f"{(pinned + 8) * 100000} 100000"})) == pinned


def test_affinity_counts_not_host_cpus(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert usable_cpus(cgroup(tmp_path, {})) == 2
