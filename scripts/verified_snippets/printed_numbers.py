"""Compare two printed outputs: text exactly, numbers within what their printing shows.

A float printed as `0.4076` claims four decimals, so two runs may differ by one
unit in that last place (the rounding of a value a few ulp away, as happens
between CPU instruction sets), but not by more.  Integers (counts, shapes,
indices) and everything that is not a number must match exactly.

Used by the test suite (a fresh run against the committed output) and by the
environment matrix (every environment's output against the recorded one).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:inf|nan)\b")


class LineVerdict(StrEnum):
    EQUAL = "equal"  # the same characters
    WITHIN = "within"  # numbers apart by at most one unit of their last printed digit
    DIFFERENT = "different"


@dataclass(frozen=True)
class LineComparison:
    number: int  # 1-based
    verdict: LineVerdict
    expected: str  # "<end of output>" past the last line
    actual: str
    problem: str = ""  # for a different line: what differs


END = "<end of output>"


def _last_place(token: str) -> float:
    """The value of one unit in the last printed digit of a token."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def split(text: str) -> tuple[list[str], list[str]]:
    """The text with numbers replaced by a placeholder, and the numbers."""
    numbers = NUMBER.findall(text)
    return NUMBER.split(text), numbers


def _number_problem(a: str, b: str, places: float) -> str:
    """Why printed number `b` does not stand for the same value as `a`; "" when it does."""
    if not any(c in a + b for c in ".eE"):  # integers (counts, shapes, indices) are exact
        return "" if a == b else f"{a} shown, {b} now"
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y):
        return "" if a.lstrip("+") == b.lstrip("+") else f"{a} shown, {b} now"
    tolerance = places * max(_last_place(a), _last_place(b)) * (1 + 1e-9)
    return "" if abs(x - y) <= tolerance else f"{a} shown, {b} now (allowed difference {tolerance:g})"


def compare_line(number: int, want: str, got: str, places: float = 1.0) -> LineComparison:
    if want == got:
        return LineComparison(number, LineVerdict.EQUAL, want, got)
    want_text, want_numbers = split(want)
    got_text, got_numbers = split(got)
    if want_text != got_text or len(want_numbers) != len(got_numbers):
        return LineComparison(number, LineVerdict.DIFFERENT, want, got, f"text differs:\n  shown: {want}\n  now:   {got}")
    problems = [problem for a, b in zip(want_numbers, got_numbers) if (problem := _number_problem(a, b, places))]
    if problems:
        return LineComparison(number, LineVerdict.DIFFERENT, want, got, "; ".join(problems))
    return LineComparison(number, LineVerdict.WITHIN, want, got)


def compare_lines(expected: str, actual: str, places: float = 1.0) -> list[LineComparison]:
    """Every line of `expected` against the same line of `actual`; a missing or extra line is different."""
    want_lines, got_lines = expected.splitlines(), actual.splitlines()
    found = [compare_line(n, want, got, places) for n, (want, got) in enumerate(zip(want_lines, got_lines), start=1)]
    for n in range(len(found) + 1, max(len(want_lines), len(got_lines)) + 1):
        want = want_lines[n - 1] if n <= len(want_lines) else END
        got = got_lines[n - 1] if n <= len(got_lines) else END
        found.append(LineComparison(n, LineVerdict.DIFFERENT, want, got, f"{len(want_lines)} lines shown, {len(got_lines)} printed now"))
    return found


def compare(expected: str, actual: str, places: float = 1.0) -> list[str]:
    """Differences between two outputs; empty when they agree."""
    problems = []
    expected_lines, actual_lines = expected.splitlines(), actual.splitlines()
    if len(expected_lines) != len(actual_lines):
        problems.append(f"{len(expected_lines)} lines shown, {len(actual_lines)} printed now")
    for line in compare_lines(expected, actual, places)[: min(len(expected_lines), len(actual_lines))]:
        if line.verdict is LineVerdict.DIFFERENT:
            problems.append(f"line {line.number}: {line.problem}")
    return problems
