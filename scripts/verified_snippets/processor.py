"""Who made this machine's processor: a dimension of where a number holds that no setting changes.

MKL, which ATen calls for `torch.exp` on the CPU (seen under gdb), picks its code path by the processor's maker (its own paths on
Intel's, others elsewhere), whatever `ATEN_CPU_CAPABILITY`, `MKL_CBWR` or
`MKL_ENABLE_INSTRUCTIONS` say. So a float32 result can differ in its last bit
between an Intel and an AMD processor of the same instruction set, and a count
of such bits can differ by hundreds. The matrix therefore has a column per
maker (`processor-amd`, `processor-intel`), which only a machine with that
maker's processor can fill.

Standard library only: read by the build and the tests without torch.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# The CPUID vendor strings of the x86 makers, as /proc/cpuinfo's `vendor_id` gives them.
VENDOR_MAKERS = {
    "GenuineIntel": "intel",
    "AuthenticAMD": "amd",
    "HygonGenuine": "hygon",
    "CentaurHauls": "centaur",
}
MAKER_NAMES = {"intel": "Intel", "amd": "AMD", "hygon": "Hygon", "centaur": "Centaur"}
VENDOR_LINE = re.compile(r"^vendor_id\s*:\s*(?P<vendor>\S.*?)\s*$", re.MULTILINE)


def vendor_from_cpuinfo(text: str) -> str | None:
    """The CPUID vendor string in a /proc/cpuinfo text ("GenuineIntel"), or None where it has none (ARM)."""
    match = VENDOR_LINE.search(text)
    return match.group("vendor") if match else None


def maker_of(vendor: str | None) -> str | None:
    """The short maker name used in environment names ("amd"), or None for an unknown vendor."""
    if vendor is None:
        return None
    return VENDOR_MAKERS.get(vendor)


def maker_name(maker: str) -> str:
    """How a reader writes the maker: "AMD", "Intel"."""
    return MAKER_NAMES.get(maker, maker.capitalize())


@functools.cache
def this_vendor() -> str | None:
    """This machine's CPUID vendor string; None off Linux or on a processor without one."""
    try:
        return vendor_from_cpuinfo(CPUINFO.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def this_maker() -> str | None:
    return maker_of(this_vendor())
