"""Compare two printed outputs: text exactly, numbers within what their printing shows.

A float printed as `0.4076` claims four decimals, so two runs may differ by one
unit in that last place (the rounding of a value a few ulp away, as happens
between CPU instruction sets), but not by more.  Integers (counts, shapes,
indices) and everything that is not a number must match exactly.
"""
from __future__ import annotations

import math
import re

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:inf|nan)\b")


def _last_place(token: str) -> float:
    """The value of one unit in the last printed digit of a token."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def split(text: str) -> tuple[list[str], list[str]]:
    """The text with numbers replaced by a placeholder, and the numbers."""
    numbers = NUMBER.findall(text)
    return NUMBER.split(text), numbers


def compare(expected: str, actual: str, places: float = 1.0) -> list[str]:
    """Differences between two outputs; empty when they agree."""
    problems = []
    expected_lines, actual_lines = expected.splitlines(), actual.splitlines()
    if len(expected_lines) != len(actual_lines):
        problems.append(f"{len(expected_lines)} lines shown, {len(actual_lines)} printed now")
    for number, (want, got) in enumerate(zip(expected_lines, actual_lines), start=1):
        want_text, want_numbers = split(want)
        got_text, got_numbers = split(got)
        if want_text != got_text or len(want_numbers) != len(got_numbers):
            problems.append(f"line {number}: text differs:\n  shown: {want}\n  now:   {got}")
            continue
        for a, b in zip(want_numbers, got_numbers):
            if not any(c in a + b for c in ".eE"):  # integers (counts, shapes, indices) are exact
                if a != b:
                    problems.append(f"line {number}: {a} shown, {b} now")
                continue
            x, y = float(a), float(b)
            if math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y):
                if a.lstrip("+") != b.lstrip("+"):
                    problems.append(f"line {number}: {a} shown, {b} now")
                continue
            tolerance = places * max(_last_place(a), _last_place(b)) * (1 + 1e-9)
            if abs(x - y) > tolerance:
                problems.append(f"line {number}: {a} shown, {b} now (allowed difference {tolerance:g})")
    return problems
