"""The matrix's comparison of one environment's run with the recorded output: per value, per line.

Pure functions on hand-made records and cells: no run, no torch. Each verdict
is shown to change when the input crosses its boundary, so a comparison that
let a changed value through would fail here.
"""
from __future__ import annotations

import struct

import pytest

from verified_snippets.environments import parse
from verified_snippets.matrix_compare import Verdict, compare_cell, compare_output, compare_values, is_float32, ulp_distance
from verified_snippets.matrix_records import Cell, CellStatus
from verified_snippets.output_records import OutputRecord
from verified_snippets.printed_numbers import LineVerdict, compare_lines
from verified_snippets.source_plan import MatrixOptions, plan


def next_float32(x: float, steps: int = 1) -> float:
    """The float32 `steps` places above x (x a positive float32)."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0] + steps
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def record(stdout: str, values: dict, chunks: list | None = None) -> OutputRecord:
    chunks = chunks if chunks is not None else [{"section": None, "first_line": 1, "last_line": 1, "stdout": stdout}]
    return OutputRecord("a/x.py", "0" * 64, stdout, {}, values, {}, {"torch": "2.13.0+cpu"}, "2026-11-30T00:00:00Z", 0.0, chunks)


def cell(stdout: str, values: dict, environment: str = "cpu-default") -> Cell:
    return Cell(environment, "a/x.py", CellStatus.RAN, "0" * 64, {"torch": "2.13.0+cpu"}, "2026-11-30T00:00:00Z", stdout=stdout, values=values)


def test_ulp_distance_counts_floats_between_two_values():
    one = 1.0
    assert ulp_distance(one, next_float32(one)) == (1, "float32")
    assert ulp_distance(one, next_float32(one, 37)) == (37, "float32")
    assert ulp_distance(0.0, -0.0) == (0, "float32")
    # Across zero: the smallest subnormals on each side are two places apart.
    tiny = struct.unpack("<f", struct.pack("<I", 1))[0]
    assert ulp_distance(tiny, -tiny) == (2, "float32")
    # A value that is not a float32 number is measured in float64 units.
    assert ulp_distance(0.1, 0.1 + 2 ** -56) == (1, "float64")
    assert is_float32(0.4643687903881073) and not is_float32(0.1)


def test_values_equal_within_and_different_at_the_default_tolerance():
    base = 0.4643687903881073
    recorded = {"loss": base, "probs": [0.25, base], "count": 36, "same": True, "name": "cpu"}
    assert {c.verdict for c in compare_values(recorded, dict(recorded), MatrixOptions())} == {Verdict.EQUAL}

    four = compare_values(recorded, {**recorded, "loss": next_float32(base, 4)}, MatrixOptions())
    loss = next(c for c in four if c.name == "loss")
    assert (loss.verdict, loss.ulp, loss.unit) == (Verdict.WITHIN, 4, "float32")

    five = next(c for c in compare_values(recorded, {**recorded, "loss": next_float32(base, 5)}, MatrixOptions()) if c.name == "loss")
    assert five.verdict is Verdict.DIFFERENT and "5 float32 ulp apart (tolerance 4)" in five.problem

    element = compare_values(recorded, {**recorded, "probs": [0.25, next_float32(base, 9)]}, MatrixOptions())
    assert [(c.name, c.verdict) for c in element if c.key == "probs"] == [("probs[0]", Verdict.EQUAL), ("probs[1]", Verdict.DIFFERENT)]

    for key, other in [("count", 37), ("same", False), ("name", "cuda"), ("count", 36.0), ("probs", [0.25]), ("loss", float("nan"))]:
        verdicts = {c.verdict for c in compare_values(recorded, {**recorded, key: other}, MatrixOptions()) if c.key == key}
        assert Verdict.DIFFERENT in verdicts, (key, other)


def test_missing_and_new_values_are_different():
    found = compare_values({"a": 1.0, "b": 2.0}, {"a": 1.0, "c": 3.0}, MatrixOptions())
    assert [(c.name, c.verdict, c.problem) for c in found if c.verdict is Verdict.DIFFERENT] == [
        ("b", Verdict.DIFFERENT, "in the recorded VALUES only"),
        ("c", Verdict.DIFFERENT, "new in this run's VALUES"),
    ]


def test_a_snippet_tightens_or_loosens_the_tolerance_with_a_reason():
    options = plan(
        "# snippet-engine: ulp=0; the page claims these are bit for bit\n"
        "# snippet-engine: ulp[noisy]=64; a sum over 10,000 terms in float32\n"
        "VALUES = {'exact': 1.0, 'noisy': 2.0}\n",
        "snippets/a/x.py",
    ).matrix
    found = {c.name: c for c in compare_values({"exact": 1.0, "noisy": 2.0}, {"exact": next_float32(1.0), "noisy": next_float32(2.0, 40)}, options)}
    assert found["exact"].verdict is Verdict.DIFFERENT and found["exact"].tolerance_reason == "the page claims these are bit for bit"
    assert found["noisy"].verdict is Verdict.WITHIN and found["noisy"].ulp == 40 and found["noisy"].tolerance == 64
    # Without the options, the same numbers get the default verdicts.
    default = {c.name: c.verdict for c in compare_values({"exact": 1.0, "noisy": 2.0}, {"exact": next_float32(1.0), "noisy": next_float32(2.0, 40)}, MatrixOptions())}
    assert default == {"exact": Verdict.WITHIN, "noisy": Verdict.DIFFERENT}


def test_an_expected_variation_is_still_reported_different_with_its_reason():
    source = (
        "# snippet-engine: varies=sweep,largest; the largest rounding error over random rows\n"
        "# --8<-- [start:sweep]\nprint('x')\n# --8<-- [end:sweep]\nVALUES = {'largest': 2.9}\n"
    )
    options = plan(source, "snippets/a/x.py").matrix
    chunks = [{"section": "sweep", "first_line": 3, "last_line": 3, "stdout": "largest 2.90\n"}]
    comparison = compare_cell(record("largest 2.90\n", {"largest": 2.9}, chunks), cell("largest 1.94\n", {"largest": 1.94}), options)
    value, line = comparison.values[0], comparison.lines[0]
    assert value.verdict is Verdict.DIFFERENT and value.expected == "the largest rounding error over random rows"
    assert line.verdict is LineVerdict.DIFFERENT and line.section == "sweep" and line.expected
    assert comparison.verdict is Verdict.DIFFERENT and comparison.unexpected == []
    # The same difference without the declaration is unexpected.
    plain = compare_cell(record("largest 2.90\n", {"largest": 2.9}, chunks), cell("largest 1.94\n", {"largest": 1.94}), MatrixOptions())
    assert len(plain.unexpected) == 2


def test_printed_lines_equal_within_the_last_digit_or_different():
    verdicts = [line.verdict for line in compare_lines("a 0.4076\nb 0.4076\nc 0.4076\nd 3\n", "a 0.4076\nb 0.4077\nc 0.4079\nd 4\n")]
    assert verdicts == [LineVerdict.EQUAL, LineVerdict.WITHIN, LineVerdict.DIFFERENT, LineVerdict.DIFFERENT]
    extra = compare_lines("a\n", "a\nb\n")
    assert [(line.verdict, line.expected, line.actual) for line in extra] == [(LineVerdict.EQUAL, "a", "a"), (LineVerdict.DIFFERENT, "<end of output>", "b")]


def test_a_tensor_on_the_gpu_prints_like_its_cpu_twin_but_its_numbers_still_count():
    recorded = record("tensor([0.2312, 0.6285])\nloss tensor(0.4644)\n", {})
    same = cell("tensor([0.2312, 0.6285], device='cuda:0')\nloss tensor(0.4644, device='cuda:0')\n", {}, "cuda")
    assert {f.verdict for f in compare_output(recorded, same, MatrixOptions(), parse("cuda"))} == {LineVerdict.EQUAL}
    moved = cell("tensor([0.2312, 0.6290], device='cuda:0')\nloss tensor(0.4644, device='cuda:0')\n", {}, "cuda")
    assert [f.verdict for f in compare_output(recorded, moved, MatrixOptions(), parse("cuda"))] == [LineVerdict.DIFFERENT, LineVerdict.EQUAL]
    # On a CPU environment the suffix is not removed: it would be a real difference there.
    assert LineVerdict.DIFFERENT in {f.verdict for f in compare_output(recorded, same, MatrixOptions(), parse("cpu-default"))}


@pytest.mark.parametrize("steps", [37, 10_000])
def test_an_isa_sensitive_float32_sum_printed_to_nine_digits_is_reported_different(steps):
    """The fixture the issue asks for: a float32 sum whose last bits depend on the order of the
    additions (vectorised or not), printed with more digits than it can keep. It must come out
    "different", in the value and in the line, never "equal" or "within"."""
    recorded_sum = 1391.9423828125  # a float32 number
    moved = next_float32(recorded_sum, steps)
    recorded = record(f"sum of logsumexp = {recorded_sum:.9g}\n", {"total": recorded_sum})
    comparison = compare_cell(recorded, cell(f"sum of logsumexp = {moved:.9g}\n", {"total": moved}), MatrixOptions())
    assert comparison.values[0].verdict is Verdict.DIFFERENT and comparison.values[0].ulp == steps
    assert comparison.lines[0].verdict is LineVerdict.DIFFERENT
    assert comparison.verdict is Verdict.DIFFERENT and len(comparison.unexpected) == 2
