"""The suite's name for the package's comparison of printed outputs (verified_snippets.printed_numbers):
text exactly, numbers within one unit of their last printed digit. The environment
matrix compares with the same code, so the tests and the matrix cannot disagree."""
from __future__ import annotations

from verified_snippets.printed_numbers import compare, split

__all__ = ["compare", "split"]
