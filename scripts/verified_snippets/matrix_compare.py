"""One environment's run of a snippet against its recorded output: per value and per printed line.

Values (every number, boolean and string in VALUES, element by element):

* **equal**: the same number, bit for bit (or the same integer, boolean, string);
* **within** the tolerance: floats at most `ulp` units in the last place apart
  (float32 units when both are float32 numbers, as every float32 result is,
  else float64 units), and by how many;
* **different**: further apart, or another type, length or non-finite value.

Printed lines: **equal** (the same characters), **within** the last printed
digit (as the test suite compares a fresh run, `printed_numbers`), or
**different**.

The tolerance is the site's default (4 ulp) unless the snippet says otherwise
(`# snippet-engine: ulp=...; <why>` or `ulp[value]=...; <why>`). A section or a
value named in `varies=...; <why>` is still reported as different when it is;
it only carries the reason (it is never counted as holding).
"""
from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .environments import Environment
from .matrix_records import Cell, CellStatus
from .output_records import OutputRecord
from .printed_numbers import LineComparison, LineVerdict, compare_lines
from .source_plan import MatrixOptions

DEFAULT_ULP = 4.0
#: How a tensor on a GPU prints beyond its CPU twin: `tensor([1.], device='cuda:0')`.
DEVICE_SUFFIX = re.compile(r",\s*device='(?:cuda|mps|xpu)(?::\d+)?'")


class Verdict(StrEnum):
    EQUAL = "equal"
    WITHIN = "within"
    DIFFERENT = "different"


@dataclass(frozen=True)
class ValueComparison:
    name: str  # "softmax[1]"
    key: str  # the VALUES key, "softmax"
    verdict: Verdict
    recorded: Any
    found: Any
    ulp: int | None = None  # units in the last place apart (two finite floats)
    unit: str = ""  # "float32" or "float64"
    tolerance: float = DEFAULT_ULP
    tolerance_reason: str = ""  # why the snippet changed the site's tolerance
    expected: str = ""  # why the snippet expects this value to vary ("" when it does not)
    problem: str = ""  # what differs, for a reader


@dataclass(frozen=True)
class LineFinding:
    line: LineComparison
    section: str | None
    expected: str = ""  # why the snippet expects this section to vary

    @property
    def verdict(self) -> LineVerdict:
        return self.line.verdict


@dataclass
class SnippetComparison:
    values: list[ValueComparison] = field(default_factory=list)
    lines: list[LineFinding] = field(default_factory=list)

    def count(self, verdict: str) -> tuple[int, int]:
        """(values, lines) with this verdict."""
        return sum(v.verdict == verdict for v in self.values), sum(line.verdict == verdict for line in self.lines)

    @property
    def verdict(self) -> Verdict:
        verdicts = {str(v.verdict) for v in self.values} | {str(line.verdict) for line in self.lines}
        return next((v for v in (Verdict.DIFFERENT, Verdict.WITHIN) if v in verdicts), Verdict.EQUAL)

    @property
    def max_ulp(self) -> int:
        return max((v.ulp or 0 for v in self.values if v.verdict is Verdict.WITHIN), default=0)

    @property
    def unexpected(self) -> list[str]:
        """Differences the snippet does not expect: what a leg that must hold reports as failures."""
        found = [f"{v.name}: {v.problem}" for v in self.values if v.verdict is Verdict.DIFFERENT and not v.expected]
        found += [f"line {f.line.number}: {f.line.problem}" for f in self.lines if f.verdict is LineVerdict.DIFFERENT and not f.expected]
        return found


# ------------------------------------------------------------------ floats


def is_float32(x: float) -> bool:
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0] == x
    except OverflowError:
        return False


def _ordinal(x: float, unit: str) -> int:
    """Position of `x` among the floats of `unit`, so that neighbours are 1 apart (+0 and -0 are both 0)."""
    if unit == "float32":
        bits, sign = struct.unpack("<I", struct.pack("<f", x))[0], 1 << 31
    else:
        bits, sign = struct.unpack("<Q", struct.pack("<d", x))[0], 1 << 63
    return -(bits & (sign - 1)) if bits & sign else bits


def ulp_distance(a: float, b: float) -> tuple[int, str]:
    """How many floats apart two finite values are, in float32 when both are float32 numbers."""
    unit = "float32" if is_float32(a) and is_float32(b) else "float64"
    return abs(_ordinal(a, unit) - _ordinal(b, unit)), unit


# ------------------------------------------------------------------ values


def _leaves(recorded: Any, found: Any, name: str) -> Iterator[tuple[str, Any, Any, str]]:
    """(name, recorded leaf, found leaf, problem) in order; a shape mismatch is one leaf with a problem."""
    if isinstance(recorded, list) or isinstance(found, list):
        if not (isinstance(recorded, list) and isinstance(found, list)):
            yield name, recorded, found, "a list in one run and not in the other"
        elif len(recorded) != len(found):
            yield name, recorded, found, f"{len(recorded)} elements recorded, {len(found)} now"
        else:
            for i, (a, b) in enumerate(zip(recorded, found)):
                yield from _leaves(a, b, f"{name}[{i}]")
    else:
        yield name, recorded, found, ""


def compare_value(key: str, name: str, recorded: Any, found: Any, tolerance: float, tolerance_reason: str = "", expected: str = "") -> ValueComparison:
    common: dict[str, Any] = {"tolerance": tolerance, "tolerance_reason": tolerance_reason, "expected": expected}
    if isinstance(recorded, float) and isinstance(found, float):
        a, b = float(recorded), float(found)
        if not (math.isfinite(a) and math.isfinite(b)):
            same = a == b or (math.isnan(a) and math.isnan(b))
            return ValueComparison(name, key, Verdict.EQUAL if same else Verdict.DIFFERENT, recorded, found, problem="" if same else f"{recorded!r} recorded, {found!r} now", **common)
        ulp, unit = ulp_distance(a, b)
        verdict = Verdict.EQUAL if ulp == 0 else Verdict.WITHIN if ulp <= tolerance else Verdict.DIFFERENT
        problem = f"{recorded!r} recorded, {found!r} now: {ulp:,} {unit} ulp apart (tolerance {tolerance:g})" if verdict is Verdict.DIFFERENT else ""
        return ValueComparison(name, key, verdict, recorded, found, ulp, unit, problem=problem, **common)
    # Anything else, an int that became a float included, must be the same value of the same type.
    same = type(recorded) is type(found) and recorded == found
    return ValueComparison(name, key, Verdict.EQUAL if same else Verdict.DIFFERENT, recorded, found, problem="" if same else f"{recorded!r} recorded, {found!r} now", **common)


def compare_values(recorded: dict[str, Any], found: dict[str, Any], options: MatrixOptions, default_ulp: float = DEFAULT_ULP) -> list[ValueComparison]:
    comparisons = []
    for key in list(recorded) + [k for k in found if k not in recorded]:
        tolerance, reason = options.tolerance(key, default_ulp)
        expected = options.expected_to_vary(key)
        if key not in found or key not in recorded:
            where = "in the recorded VALUES only" if key in recorded else "new in this run's VALUES"
            comparisons.append(ValueComparison(key, key, Verdict.DIFFERENT, recorded.get(key), found.get(key), tolerance=tolerance, expected=expected, problem=where))
            continue
        for name, a, b, problem in _leaves(recorded[key], found[key], key):
            if problem:
                comparisons.append(ValueComparison(name, key, Verdict.DIFFERENT, a, b, tolerance=tolerance, expected=expected, problem=problem))
            else:
                comparisons.append(compare_value(key, name, a, b, tolerance, reason, expected))
    return comparisons


# ------------------------------------------------------------------ printed lines


def _sections_of_lines(chunks: list[dict[str, Any]]) -> list[str | None]:
    sections: list[str | None] = []
    for chunk in chunks:
        sections += [chunk.get("section")] * len(str(chunk.get("stdout", "")).splitlines())
    return sections


def compare_output(recorded: OutputRecord, cell: Cell, options: MatrixOptions, environment: Environment | None = None) -> list[LineFinding]:
    found = cell.stdout
    if environment is not None and environment.device:
        found = DEVICE_SUFFIX.sub("", found)  # where the tensor lives is not a number that changed
    sections = _sections_of_lines(recorded.chunks)
    findings = []
    for line in compare_lines(recorded.stdout, found):
        section = sections[line.number - 1] if line.number <= len(sections) else None
        findings.append(LineFinding(line, section, options.expected_to_vary(section) if section else ""))
    return findings


def compare_cell(recorded: OutputRecord, cell: Cell, options: MatrixOptions, environment: Environment | None = None, default_ulp: float = DEFAULT_ULP) -> SnippetComparison:
    """A cell that ran, against the recorded output."""
    assert cell.status is CellStatus.RAN, "only a cell that ran has outputs to compare"
    return SnippetComparison(compare_values(recorded.values, cell.values, options, default_ulp), compare_output(recorded, cell, options, environment))
