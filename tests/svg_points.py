"""What a figure shows, read from its SVG without the engine: the numbers of its geometry, and its texts.

Two SVGs of one figure agree when their coordinates (every `d`, `x` and `y`
attribute, in document order) are equal within a tolerance and their texts
are equal. This holds between matplotlib's own SVG and the engine's
normalised file (which rounds coordinates to 0.01 and changes no order), and
between two machines whose float32 results differ by a few ulp; a changed data
point moves a coordinate by far more.
"""
from __future__ import annotations

import html
import re

#: Coordinates are rounded to 0.01 in the committed files: a difference of half that is rounding.
TOLERANCE = 0.02
GEOMETRY = re.compile(r'\s(?:d|x|y)="([^"]*)"')
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TEXT = re.compile(r"<(?:text|tspan)\b[^>]*>([^<]+)<")


def coordinates(svg: str) -> list[float]:
    return [float(n) for value in GEOMETRY.findall(svg) for n in NUMBER.findall(value)]


def texts(svg: str) -> list[str]:
    return [html.unescape(t).strip() for t in TEXT.findall(svg) if t.strip()]


def compare(expected: str, actual: str, tolerance: float = TOLERANCE) -> list[str]:
    """How two SVGs of a figure differ in what they show; empty when they agree."""
    problems = []
    if texts(expected) != texts(actual):
        problems.append(f"texts differ: {texts(expected)} vs {texts(actual)}")
    a, b = coordinates(expected), coordinates(actual)
    if len(a) != len(b):
        problems.append(f"{len(a)} coordinates vs {len(b)}: the figure draws other points")
    else:
        far = [(i, x, y) for i, (x, y) in enumerate(zip(a, b)) if abs(x - y) > tolerance]
        if far:
            i, x, y = far[0]
            problems.append(f"{len(far)} coordinates differ by more than {tolerance}; the first, number {i}: {x} vs {y}")
    return problems
