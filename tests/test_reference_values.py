"""The numbers the cross-entropy article quotes, checked against independent references.

The snippets compute their results with PyTorch in float32; the engine stores
them in `snippets/cross_entropy/outputs/<name>.json` under "values", and the
article binds its numbers to those stored values. These tests read the same
committed JSON (they never run the snippets) and compare every stored result
with a reference computed from the formulas alone, in 200-bit mpmath
arithmetic, in `reference_formulas.py`.

The inputs are stated again here, independently of the snippets, and each
snippet's exported inputs must equal them: a reference for the wrong input
would prove nothing.

Layout: `SPECS` lists, for every snippet, what each exported value must be.
One parametrised test per kind of check walks that table, and
`test_every_value_bound_in_the_article_has_a_reference_check` makes sure a
number cannot appear in the article without an entry here.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest

import reference_formulas as ref

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "snippets" / "cross_entropy" / "outputs"
ARTICLE = ROOT / "docs" / "cross-entropy.md"

# Tolerance, in float32 units in the last place (ulp) at the reference value.
# A correctly rounded float32 result is within 0.5 ulp. The snippets chain a
# handful of float32 operations (max, subtract, exp, sum, log, subtract, then a
# mean), each adding up to 0.5 ulp of its own result, and PyTorch's vectorised
# exp/log are accurate to about 1 ulp rather than 0.5; the largest distance
# actually observed is under 2 ulp. 4 ulp covers that with a margin and is
# still a relative error of about 5e-7 at most: any real mistake (a wrong
# input, a missing term, a changed reduction) lands hundreds of ulp away or more.
MAX_ULP = 4

# ------------------------------------------------------------------ inputs
# Stated here from the article's text, not copied out of the snippets.

BATCH_LOGITS = [[1.0, 2.0, 0.5], [0.1, 0.5, 2.0]]
BATCH_TARGETS = [1, 2]
WORKED_LOGITS = [1.0, 2.0, 0.5]
WORKED_TARGET = 1
DEFINITION_Q = [0.2, 0.5, 0.3]
DEFINITION_P_SOFT = [0.1, 0.7, 0.2]
DEFINITION_TARGET = 1
DEFINITION_BATCH_Q = [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]
DEFINITION_BATCH_TARGETS = [1, 0]
SOFTMAX_LOGITS = [2.0, -1.0, 0.0, 3.5]
SOFTMAX_SHIFT = 100.0
GAP_LOGITS = [[0.0, 1000.0]]
GAP_TARGETS = [0]
OVERFLOW_LOGITS = [1000.0, 1001.0]
SOFT_TARGETS = [[0.1, 0.8, 0.1], [0.0, 0.3, 0.7]]
LABEL_SMOOTHING = 0.1  # a Python float (double), as passed to nn.CrossEntropyLoss
# The bit-for-bit grid: 5 logit shapes x 4 dtypes x 3 reductions.
GRID_SHAPES, GRID_DTYPES, GRID_REDUCTIONS = 5, 4, 3
# The pieces snippet's spatial example: N = 4 samples, d1 = 5 positions each.
SPATIAL_N, SPATIAL_D1 = 4, 5

# ------------------------------------------------------------------ kinds of check


@dataclass(frozen=True)
class Input:
    """An input the snippet exports; must equal `stated` rounded to float32."""

    stated: Any


@dataclass(frozen=True)
class Exact:
    """A count, flag or shape; must equal `expected` exactly."""

    expected: Any


@dataclass(frozen=True)
class Float32:
    """A float32 result; each element within MAX_ULP of the mpmath reference."""

    reference: Callable[[], Any]  # returns an mpf or (nested) list of mpf


# ------------------------------------------------------------------ references


def _batch():
    return ref.f32_matrix(BATCH_LOGITS)


def _worked():
    return ref.f32_vector(WORKED_LOGITS)


def _definition_batch_per_sample():
    rows = ref.f32_matrix(DEFINITION_BATCH_Q)
    return [-mpmath.log(q[y]) for q, y in zip(rows, DEFINITION_BATCH_TARGETS, strict=True)]


def _one_hot(y: int, c: int) -> list[mpmath.mpf]:
    return [mpmath.mpf(1 if j == y else 0) for j in range(c)]


def _softmax_first():
    return ref.cross_entropy_of_softmax(_batch(), BATCH_TARGETS)


def _max_abs(nested) -> mpmath.mpf:
    return max(abs(x) for x in ref.flatten(nested))


def _ce_of_log_softmax():
    # CrossEntropyLoss fed log-probabilities: log_softmax applied twice.
    twice = [ref.log_softmax(z) for z in _batch()]
    return ref.cross_entropy_batch(twice, BATCH_TARGETS, "mean")


def _gap_grad():
    return ref.cross_entropy_grad(ref.f32_matrix(GAP_LOGITS), GAP_TARGETS)


SPECS: dict[str, dict[str, Input | Exact | Float32]] = {
    "worked_example": {
        "logits": Input(WORKED_LOGITS),
        "target": Exact(WORKED_TARGET),
        "exp": Float32(lambda: [mpmath.exp(z) for z in _worked()]),
        "sum_exp": Float32(lambda: mpmath.fsum(mpmath.exp(z) for z in _worked())),
        "softmax": Float32(lambda: ref.softmax(_worked())),
        "logsumexp": Float32(lambda: ref.logsumexp(_worked())),
        "log_softmax": Float32(lambda: ref.log_softmax(_worked())),
        "nll": Float32(lambda: ref.nll(ref.log_softmax(_worked()), WORKED_TARGET)),
        "ce_loss": Float32(lambda: ref.cross_entropy(_worked(), WORKED_TARGET)),
        "two_step_loss": Float32(lambda: ref.cross_entropy(_worked(), WORKED_TARGET)),
        "two_step_equal": Exact(True),
    },
    "batch": {
        "logits": Input(BATCH_LOGITS),
        "targets": Exact(BATCH_TARGETS),
        "batch_size": Exact(len(BATCH_LOGITS)),
        "logsumexp": Float32(lambda: [ref.logsumexp(z) for z in _batch()]),
        "log_probs": Float32(lambda: [ref.log_softmax(z) for z in _batch()]),
        "picked": Float32(lambda: [ref.log_softmax(z)[y] for z, y in zip(_batch(), BATCH_TARGETS)]),
        "nll_loss": Float32(lambda: ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "mean")),
        "ce_loss": Float32(lambda: ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "mean")),
        "two_step_loss": Float32(lambda: ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "mean")),
        "losses_equal": Exact(True),
        "ce_per_sample": Float32(lambda: ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "none")),
        "two_step_per_sample": Float32(lambda: ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "none")),
        "per_sample_equal": Exact(True),
    },
    "definition": {
        "q": Input(DEFINITION_Q),
        "p_soft": Input(DEFINITION_P_SOFT),
        "h_soft": Float32(lambda: ref.cross_entropy_between(
            ref.f32_vector(DEFINITION_P_SOFT), ref.f32_vector(DEFINITION_Q))),
        "target": Exact(DEFINITION_TARGET),
        "h_one_hot": Float32(lambda: ref.cross_entropy_between(
            _one_hot(DEFINITION_TARGET, 3), ref.f32_vector(DEFINITION_Q))),
        "minus_log_q_y": Float32(lambda: -mpmath.log(ref.f32_vector(DEFINITION_Q)[DEFINITION_TARGET])),
        "one_hot_identical": Exact(True),
        "batch_q": Input(DEFINITION_BATCH_Q),
        "batch_targets": Exact(DEFINITION_BATCH_TARGETS),
        "batch_per_sample": Float32(_definition_batch_per_sample),
        "batch_mean": Float32(lambda: mpmath.fsum(_definition_batch_per_sample()) / 2),
    },
    "softmax": {
        "logits": Input(SOFTMAX_LOGITS),
        "softmax": Float32(lambda: ref.softmax(ref.f32_vector(SOFTMAX_LOGITS))),
        # The exact sum is 1; the stored value is the float32 sum of rounded terms.
        "softmax_sum": Float32(lambda: mpmath.mpf(1)),
        "all_positive": Exact(True),
        "same_ranking": Exact(True),
        "shift": Input(SOFTMAX_SHIFT),
        "shift_equal": Exact(True),
    },
    "stability": {
        "gap_logits": Input(GAP_LOGITS),
        "target": Exact(GAP_TARGETS),
        # exp(-1000) / (1 + exp(-1000)) is far below 2**-149, so float32 holds 0.
        "naive_softmax": Float32(lambda: [ref.softmax(z) for z in ref.f32_matrix(GAP_LOGITS)]),
        "naive_log_prob_is_neg_inf": Exact(True),
        "naive_loss_is_inf": Exact(True),
        "naive_grad_all_nan": Exact(True),
        "stable_log_probs": Float32(lambda: [ref.log_softmax(z) for z in ref.f32_matrix(GAP_LOGITS)]),
        "stable_loss": Float32(lambda: ref.cross_entropy_batch(ref.f32_matrix(GAP_LOGITS), GAP_TARGETS, "mean")),
        "stable_grad": Float32(_gap_grad),
        "stable_all_finite": Exact(True),
        "overflow_logits": Input(OVERFLOW_LOGITS),
        "literal_softmax_all_nan": Exact(True),
        "shifted_softmax": Float32(lambda: ref.softmax(ref.f32_vector(OVERFLOW_LOGITS))),
        "torch_softmax": Float32(lambda: ref.softmax(ref.f32_vector(OVERFLOW_LOGITS))),
        "lse_trick_equal": Exact(True),
    },
    "guidance": {
        "logits": Input(BATCH_LOGITS),
        "targets": Exact(BATCH_TARGETS),
        "loss_right": Float32(lambda: ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "mean")),
        "loss_softmax_first": Float32(lambda: _softmax_first()[0]),
        "grad_right": Float32(lambda: ref.cross_entropy_grad(_batch(), BATCH_TARGETS)),
        "grad_softmax_first": Float32(lambda: _softmax_first()[1]),
        "grad_abs_max_right": Float32(lambda: _max_abs(ref.cross_entropy_grad(_batch(), BATCH_TARGETS))),
        "grad_abs_max_softmax_first": Float32(lambda: _max_abs(_softmax_first()[1])),
        # Best case with softmax first: the one-hot vector as logits, log(e + C - 1) - 1.
        "softmax_first_floor": Float32(lambda: mpmath.log(mpmath.e + 2) - 1),
        "loss_log_softmax_first": Float32(_ce_of_log_softmax),
        "log_softmax_first_close": Exact(True),
        "soft_targets": Input(SOFT_TARGETS),
        "loss_soft_targets": Float32(lambda: ref.cross_entropy_soft_targets(
            _batch(), ref.f32_matrix(SOFT_TARGETS))),
        "soft_targets_close": Exact(True),
        "label_smoothing": Exact(LABEL_SMOOTHING),
        "loss_label_smoothing": Float32(lambda: ref.cross_entropy_label_smoothing(
            _batch(), BATCH_TARGETS, mpmath.mpf(LABEL_SMOOTHING))),
        "label_smoothing_close": Exact(True),
        "int32_targets_rejected": Exact(True),
        "long_one_hot_rejected": Exact(True),
    },
    "bitwise": {
        "n_shapes": Exact(GRID_SHAPES),
        "n_dtypes": Exact(GRID_DTYPES),
        "n_reductions": Exact(GRID_REDUCTIONS),
        "n_cases": Exact(GRID_SHAPES * GRID_DTYPES * GRID_REDUCTIONS),
        "n_identical": Exact(GRID_SHAPES * GRID_DTYPES * GRID_REDUCTIONS),
        "all_identical": Exact(True),
    },
    "internals": {
        # cross_entropy_loss, log_softmax.int, _log_softmax, nll_loss_nd, nll_loss,
        # nll_loss_forward: only _log_softmax and nll_loss_forward are kernels.
        "composite": Exact([True, True, False, True, True, False]),
        "n_ops": Exact(6),
        "n_composite": Exact(4),
        "n_with_kernel": Exact(2),
        # forward: _log_softmax, detach, nll_loss_forward; backward: ones_like,
        # nll_loss_backward, detach, _log_softmax_backward_data, detach.
        "n_kernel_calls": Exact(8),
        "same_kernels": Exact(True),
    },
    "pieces": {
        "log_softmax_shape": Exact([SPATIAL_N, 3]),
        "ce_mean_shape": Exact([]),
        "ce_none_shape": Exact([SPATIAL_N]),
        "spatial_none_shape": Exact([SPATIAL_N, SPATIAL_D1]),
        "spatial_positions": Exact(SPATIAL_N * SPATIAL_D1),
        "spatial_mean_is_mean_of_none": Exact(True),
    },
    "modularity": {
        "log_prob_rows_normalised": Exact(True),
        "mixture_normalised": Exact(True),
        "weighted_ignore_equal": Exact(True),
    },
}

# ------------------------------------------------------------------ loading


def committed_values(snippet: str) -> dict[str, Any]:
    """The "values" of a committed output record; skip while it does not exist yet."""
    path = OUTPUTS / f"{snippet}.json"
    if not path.is_file():
        pytest.skip(f"{path.relative_to(ROOT)} does not exist yet; run `make outputs` to create it")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert "values" in record, f"{path.relative_to(ROOT)} has no 'values' key"
    return record["values"]


def _cases(kind: type) -> list:
    return [
        pytest.param(snippet, name, spec, id=f"{snippet}.{name}")
        for snippet, specs in SPECS.items()
        for name, spec in specs.items()
        if isinstance(spec, kind)
    ]


def _stored(snippet: str, name: str) -> Any:
    values = committed_values(snippet)
    assert name in values, f"{snippet}.json has no value '{name}' (has: {', '.join(sorted(values))})"
    return values[name]


def _same_structure(stored: Any, expected: Any, where: str) -> list[tuple[str, Any, Any]]:
    """Pair up the leaves of two nested lists, failing on any shape mismatch."""
    if isinstance(expected, list):
        assert isinstance(stored, list), f"{where}: expected a list, stored {stored!r}"
        assert len(stored) == len(expected), f"{where}: length {len(stored)}, expected {len(expected)}"
        pairs = []
        for i, (s, e) in enumerate(zip(stored, expected)):
            pairs += _same_structure(s, e, f"{where}[{i}]")
        return pairs
    assert not isinstance(stored, list), f"{where}: expected a number, stored a list"
    return [(where, stored, expected)]


def ulp_mismatches(stored: Any, reference: Any, where: str, max_ulp: float = MAX_ULP) -> list[str]:
    """Every leaf of `stored` more than max_ulp float32 ulps from its reference."""
    problems = []
    for leaf, value, expected in _same_structure(stored, reference, where):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{leaf}: stored {value!r} is not a number")
            continue
        distance = ref.ulp_distance_f32(float(value), expected)
        if not distance <= max_ulp:
            problems.append(
                f"{leaf}: stored {value!r}, reference {mpmath.nstr(expected, 20)}, "
                f"{distance:.3g} ulp apart (allowed {max_ulp})"
            )
    return problems


# ------------------------------------------------------------------ the checks


@pytest.mark.parametrize("snippet, name, spec", _cases(Input))
def test_snippet_inputs_equal_the_inputs_stated_here(snippet, name, spec):
    stored = _stored(snippet, name)
    for leaf, value, stated in _same_structure(stored, spec.stated, name):
        # The snippet stores its float32 tensor's values; 0.1 becomes
        # 0.100000001490116..., so compare with the stated value rounded to float32.
        assert value == float(np.float32(stated)), f"{snippet}.{leaf}: stored {value!r}, stated {stated!r}"


@pytest.mark.parametrize("snippet, name, spec", _cases(Exact))
def test_counts_flags_and_shapes_equal_their_expected_values(snippet, name, spec):
    stored = _stored(snippet, name)
    assert stored == spec.expected and type(stored) is type(spec.expected), (
        f"{snippet}.{name}: stored {stored!r}, expected {spec.expected!r}"
    )


@pytest.mark.parametrize("snippet, name, spec", _cases(Float32))
def test_float32_results_are_within_max_ulp_of_the_mpmath_reference(snippet, name, spec):
    stored = _stored(snippet, name)
    problems = ulp_mismatches(stored, spec.reference(), f"{snippet}.{name}")
    assert not problems, "\n".join(problems)


def test_every_value_bound_in_the_article_has_a_reference_check():
    """A number may appear in the article only if this module checks it."""
    bindings = re.findall(r"\{\{\s*run:\s*cross_entropy/(\w+)\.py\s+(\w+)", ARTICLE.read_text(encoding="utf-8"))
    assert bindings, "found no value bindings in the article; has the binding syntax changed?"
    unchecked = sorted({f"{s}.{n}" for s, n in bindings if n not in SPECS.get(s, {})})
    assert not unchecked, f"bound in {ARTICLE.name} but not checked here: {', '.join(unchecked)}"


@pytest.mark.parametrize("snippet", sorted(SPECS))
def test_every_exported_value_of_the_snippet_has_a_reference_check(snippet):
    values = committed_values(snippet)
    assert sorted(values) == sorted(SPECS[snippet]), (
        f"{snippet}: exported but unchecked {sorted(set(values) - set(SPECS[snippet]))}, "
        f"checked but not exported {sorted(set(SPECS[snippet]) - set(values))}"
    )


# ------------------------------------------------------------------ the check itself


def _worked_example_loss_reference() -> mpmath.mpf:
    return ref.cross_entropy(ref.f32_vector(WORKED_LOGITS), WORKED_TARGET)


def test_ulp_check_accepts_the_correctly_rounded_float32_value():
    reference = _worked_example_loss_reference()
    rounded = float(np.float32(float(reference)))
    assert ulp_mismatches(rounded, reference, "rounded") == []


def test_ulp_check_rejects_a_value_perturbed_by_1e_4_relative():
    """The comparison used for every quoted value can fail: 1e-4 relative is far outside it."""
    reference = _worked_example_loss_reference()
    rounded = float(np.float32(float(reference)))
    for factor in (1 + 1e-4, 1 - 1e-4):
        perturbed = float(np.float32(rounded * factor))
        problems = ulp_mismatches(perturbed, reference, "perturbed")
        assert len(problems) == 1 and "ulp apart" in problems[0], (perturbed, problems)


def test_ulp_check_rejects_a_value_one_ulp_beyond_the_tolerance():
    """The boundary sits where MAX_ULP says: MAX_ULP + 1 ulp away fails, MAX_ULP - 1 passes."""
    reference = _worked_example_loss_reference()
    rounded = np.float32(float(reference))
    ulp = np.spacing(rounded)
    assert ulp_mismatches(float(rounded + np.float32(MAX_ULP + 1) * ulp), reference, "far")
    assert not ulp_mismatches(float(rounded + np.float32(MAX_ULP - 1) * ulp), reference, "near")


def test_ulp_check_rejects_non_finite_values_and_wrong_shapes():
    reference = [mpmath.mpf(1), mpmath.mpf(2)]
    assert ulp_mismatches([1.0, float("nan")], reference, "nan")
    assert ulp_mismatches([1.0, float("inf")], reference, "inf")
    with pytest.raises(AssertionError):
        ulp_mismatches([1.0], reference, "short")


def test_reference_formulas_agree_with_each_other():
    """Internal consistency of the mpmath references, independent of any snippet."""
    z = ref.f32_vector(WORKED_LOGITS)
    q = ref.softmax(z)
    assert abs(mpmath.fsum(q) - 1) < mpmath.mpf(2) ** -190
    for lq, qj in zip(ref.log_softmax(z), q):
        assert abs(lq - mpmath.log(qj)) < mpmath.mpf(2) ** -190
    # With a one-hot target, H(p, q) is -log q_y.
    h = ref.cross_entropy_between(_one_hot(WORKED_TARGET, 3), q)
    assert abs(h - ref.cross_entropy(z, WORKED_TARGET)) < mpmath.mpf(2) ** -190
    # Label smoothing with eps = 0 is plain cross-entropy; with eps it equals soft targets.
    Z = ref.f32_matrix(BATCH_LOGITS)
    plain = ref.cross_entropy_batch(Z, BATCH_TARGETS, "mean")
    assert abs(ref.cross_entropy_label_smoothing(Z, BATCH_TARGETS, mpmath.mpf(0)) - plain) < mpmath.mpf(2) ** -190
    eps = mpmath.mpf(LABEL_SMOOTHING)
    smoothed = [[(1 - eps) * (1 if j == y else 0) + eps / 3 for j in range(3)] for y in BATCH_TARGETS]
    assert abs(ref.cross_entropy_label_smoothing(Z, BATCH_TARGETS, eps)
               - ref.cross_entropy_soft_targets(Z, smoothed)) < mpmath.mpf(2) ** -190
    # Both gradient formulas (the direct one, and the softmax-first vector-Jacobian
    # product) against a central finite difference at 200 bits.
    _, grad_sf = ref.cross_entropy_of_softmax(Z, BATCH_TARGETS)
    for loss, grad in (
        (lambda z: ref.cross_entropy_batch(z, BATCH_TARGETS), ref.cross_entropy_grad(Z, BATCH_TARGETS)),
        (lambda z: ref.cross_entropy_of_softmax(z, BATCH_TARGETS)[0], grad_sf),
    ):
        for i in range(2):
            for j in range(3):
                assert abs(central_difference(loss, Z, i, j) - grad[i][j]) < mpmath.mpf(2) ** -100


def central_difference(loss, z, i, j):
    """d loss / d z[i][j] by a central difference, with a step of 2**-60."""
    h = mpmath.mpf(2) ** -60
    up = [row[:] for row in z]
    down = [row[:] for row in z]
    up[i][j] += h
    down[i][j] -= h
    return (loss(up) - loss(down)) / (2 * h)


def test_ulp_of_float32_matches_numpy_spacing():
    """The exact ulp used by the reference agrees with numpy's float32 spacing."""
    for x in (1.0, 0.4643688, 1000.0, 3.0e-39, 0.0, 0.75, 2.0 ** -126):
        assert float(ref.ulp_f32(mpmath.mpf(x))) == float(np.spacing(np.float32(x)))
