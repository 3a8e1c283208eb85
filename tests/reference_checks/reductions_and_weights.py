"""Independent checks of every value that docs/reductions-and-weights.md binds.

Every input is stated again here from the article's text and rounded to float32
exactly as `torch.tensor([...])` rounds it; every result is recomputed from the
formulas of the article in 200-bit mpmath, without torch and without reading the
snippets' outputs. The 1000-sample data set of `accumulate.py` is regenerated
here from the same integer generator, which needs nothing but Python integers.

The formulas, for logits z_i, target y_i, class weights w (1 when absent) and
q_i = softmax(z_i); a sample is kept when y_i != ignore_index:

    'none':  l_i = w[y_i] * (-log q_{i, y_i}) if kept, else 0
    'sum':   sum_i l_i
    'mean':  sum_i l_i / sum_{i kept} w[y_i]         (class-index targets)
    'mean':  sum_i sum_j -w_j p_ij log q_ij / N      (probability targets)

Budgets (float32 ulps at the reference value), each with the chain of float32
operations behind it; PyTorch's vectorised exp and log are good to about 1 ulp:
  LOSS_ULP = 16     one per-sample loss, log s - (z_y - m) with m the row's
                    maximum and s = sum_k exp(z_k - m) in [1, C]: max, subtract,
                    exp, sum and log leave s off by about 2 ulps (2**-22
                    relative), which log turns into 2**-22 absolute; every
                    loss here is above 2**-3, where an ulp is 2**-26 or more,
                    so 16 ulps. (The third sample, loss 0.209, shows 4.3.) A
                    product with an exact weight scales error and ulp alike;
  REDUCED_ULP = 16  'sum' or 'mean' of up to 4 such losses: a weighted average
                    keeps their 2**-22 absolute error (for probability targets
                    with 'mean', sum(w[y]) / N times it), plus the rounding of 3
                    additions and one division; the smallest mean here, 0.22,
                    has an ulp of 2**-26, so 16 ulps hold for all of them;
  GRAD_ULP = 8      a gradient entry w(q - [j = y]) / W: the softmax (exp, sum,
                    divide), a subtraction, a product and a division, each
                    rounding its own result;
  DATASET_ULP = 16  a 'mean' over a batch of 64, or over 1000 samples: a weighted
                    average of losses off by 2**-22 absolute, and the sum runs in
                    a cascade of partial sums (LossNLL.cpp), so its rounding grows
                    with the logarithm of the count, not the count; every such
                    mean is in [0.5, 1), where an ulp is 2**-24. The mean of 16
                    batch means and the accumulated sum / mass are done in float64
                    on top, which adds nothing measurable.
A relative error `a / b - 1` of two such means cancels: its absolute error is
that of a / b, about 2 * DATASET_ULP float32 ulps at 1, and it is checked in
ulps of its own (much smaller) size with REL_ERROR_ULP, derived in
_rel_error_budget below.
"""
from __future__ import annotations

import mpmath
import numpy

from reference_checks import Bounded, Exact, Input, Near  # noqa: F401  (Bounded: not every kind is used)
from reference_checks import ulp as float32_ulp

mpmath.mp.prec = 200

LOSS_ULP = 16
REDUCED_ULP = 16
GRAD_ULP = 8
DATASET_ULP = 16

# ------------------------------------------------------------------ inputs, as the article states them

LOGITS = [[1.0, 2.0, 0.5],
          [0.1, 0.5, 2.0],
          [2.0, 0.3, -1.0],
          [0.5, 1.5, 0.2]]
TARGETS = [1, 2, 0, 0]
WEIGHT = [2.0, 1.0, 0.5]
IGNORE = -100
TARGETS_ONE_IGNORED = [1, 2, IGNORE, 0]  # the third sample unlabelled
SKIP = 2  # the row left out with an all-zero probability target
W0_VALUES = [2.0 ** k for k in range(-4, 5)]  # the weight of class 0 in the sweep
VOID = 255

# The data set of accumulate.py.
N_DATA, N_CLASSES, BATCH = 1000, 4, 64
DATA_WEIGHT = [1.0, 2.0, 5.0, 10.0]
BOOST = [3.0, 2.0, 1.0, 0.5]
UNLABELLED_ONE_IN = 20
SEED = 2024


def f32(x) -> mpmath.mpf:
    """The exact value of the float32 nearest to x."""
    return mpmath.mpf(float(numpy.float32(x)))


def f32_rows(rows):
    return [[f32(x) for x in row] for row in rows]


# ------------------------------------------------------------------ formulas


def log_softmax(z):
    lse = mpmath.log(mpmath.fsum(mpmath.exp(zj) for zj in z))
    return [zj - lse for zj in z]


def softmax(z):
    denominator = mpmath.fsum(mpmath.exp(zj) for zj in z)
    return [mpmath.exp(zj) / denominator for zj in z]


def per_sample(rows, targets, weight=None, ignore_index=IGNORE):
    """'none' for class-index targets: w[y] * (-log q_y), or 0 for an ignored target."""
    out = []
    for z, y in zip(rows, targets, strict=True):
        if y == ignore_index:
            out.append(mpmath.mpf(0))
            continue
        w = f32(weight[y]) if weight is not None else mpmath.mpf(1)
        out.append(-w * log_softmax(z)[y])
    return out


def weight_mass(targets, weight=None, ignore_index=IGNORE):
    """The 'mean' denominator of class-index targets: the weights of the kept targets."""
    return mpmath.fsum(f32(weight[y]) if weight is not None else 1
                       for y in targets if y != ignore_index)


def index_mean(rows, targets, weight=None, ignore_index=IGNORE):
    return mpmath.fsum(per_sample(rows, targets, weight, ignore_index)) / weight_mass(targets, weight, ignore_index)


def one_hot(targets, c):
    return [[mpmath.mpf(1 if j == y else 0) for j in range(c)] for y in targets]


def prob_per_sample(rows, probs, weight=None):
    """'none' for probability targets: -sum_j w_j p_j log q_j."""
    out = []
    for z, p in zip(rows, probs, strict=True):
        lq = log_softmax(z)
        w = [f32(x) for x in weight] if weight is not None else [1] * len(z)
        out.append(-mpmath.fsum(wj * pj * lqj for wj, pj, lqj in zip(w, p, lq, strict=True)))
    return out


def prob_mean(rows, probs, weight=None):
    return mpmath.fsum(prob_per_sample(rows, probs, weight)) / len(rows)


def index_mean_grad(rows, targets, weight=None, ignore_index=IGNORE):
    """d(index 'mean')/dz_ij = w[y_i] (q_ij - [j = y_i]) / W for a kept sample, 0 for an ignored one."""
    mass = weight_mass(targets, weight, ignore_index)
    grad = []
    for z, y in zip(rows, targets, strict=True):
        if y == ignore_index:
            grad.append([mpmath.mpf(0)] * len(z))
            continue
        w = f32(weight[y]) if weight is not None else 1
        grad.append([w * (qj - (1 if j == y else 0)) / mass for j, qj in enumerate(softmax(z))])
    return grad


# ------------------------------------------------------------------ the running example

Z = f32_rows(LOGITS)
Z_ALONE = [Z[-1]]
ONE_HOT = one_hot(TARGETS, 3)
ZEROED = [row if i != SKIP else [mpmath.mpf(0)] * 3 for i, row in enumerate(ONE_HOT)]
KEPT_ROWS = [i for i in range(len(LOGITS)) if i != SKIP]


def _sweep(index: bool):
    out = []
    for w0 in W0_VALUES:
        w = [w0, 1.0, 1.0]
        out.append(index_mean(Z, TARGETS, w) if index else prob_mean(Z, ONE_HOT, w))
    return out


def _class_mean(of_class_0: bool):
    losses = [loss for loss, y in zip(per_sample(Z, TARGETS), TARGETS) if (y == 0) == of_class_0]
    return mpmath.fsum(losses) / len(losses)


# ------------------------------------------------------------------ the data set of accumulate.py


def _data_set():
    """The generator of accumulate.py, restated: (rows, labels, targets)."""
    x = SEED

    def draw():
        nonlocal x
        x = (1103515245 * x + 12345) % 2**31
        return x

    rows, labels, targets = [], [], []
    for _ in range(N_DATA):
        u = draw() % 100
        y = 0 if u < 60 else 1 if u < 85 else 2 if u < 95 else 3
        row = [mpmath.mpf(draw() % 257) / 64 - 2 for _ in range(N_CLASSES)]
        row[y] += mpmath.mpf(BOOST[y])
        rows.append(row)
        labels.append(y)
        targets.append(IGNORE if draw() % UNLABELLED_ONE_IN == 0 else y)
    return rows, labels, targets


DATA_ROWS, DATA_LABELS, DATA_TARGETS = _data_set()
# Every logit is k/64 - 2 + boost: exactly representable in float32, so f32() is the identity.
assert all(f32(v) == v for row in DATA_ROWS for v in row)
_DATA_CASES = [(DATA_LABELS, None), (DATA_TARGETS, None), (DATA_TARGETS, DATA_WEIGHT)]
N_BATCHES = -(-N_DATA // BATCH)


def _whole():
    return [index_mean(DATA_ROWS, y, w) for y, w in _DATA_CASES]


def _mean_of_means():
    out = []
    for y, w in _DATA_CASES:
        means = [index_mean(DATA_ROWS[s:s + BATCH], y[s:s + BATCH], w) for s in range(0, N_DATA, BATCH)]
        out.append(mpmath.fsum(means) / len(means))
    return out


def _rel_error():
    return [m / w - 1 for m, w in zip(_mean_of_means(), _whole(), strict=True)]


def _rel_error_budget() -> int:
    """REL_ERROR_ULP: the absolute error of a / b - 1, in float32 ulps of the result.

    a and b are each within DATASET_ULP float32 ulps of values in [0.5, 1),
    where one ulp is 2**-24: a relative error of at most 16 * 2**-24 / 0.5 =
    2**-19 each, so a / b - 1 is off by about 2**-18 at most, in absolute terms.
    Every |a / b - 1| here is above 2**-8, where a float32 ulp is 2**-31 or
    more: 2**-18 / 2**-31 = 2**13 ulps.  That is under 4e-6 in absolute terms,
    while the page prints the error to 0.01 % = 1e-4.
    """
    errors, means = _rel_error(), _whole() + _mean_of_means()
    assert min(abs(e) for e in errors) > mpmath.mpf(2) ** -8
    assert all(mpmath.mpf("0.5") <= m < 1 for m in means)
    return 2 ** 13


REL_ERROR_ULP = _rel_error_budget()


def _class_counts():
    return [sum(1 for y in DATA_TARGETS if y == c) for c in range(N_CLASSES)]


# ------------------------------------------------------------------ the checks

_CE_ENUM_WHY = "torch/nn/_reduction.py get_enum: 'none' -> 0, 'mean' -> 1, 'sum' -> 2 (Reduction.h)"

CHECKS = {
    "reductions.py": {
        "logits": Input(LOGITS, dtype="float32"),
        "targets": Input(TARGETS, dtype="int64"),
        "weight": Input(WEIGHT, dtype="float32"),
        "batch_size": Exact(4, why="four rows of logits"),
        "per_sample": Near(lambda: per_sample(Z, TARGETS), dtype="float32", ulp=LOSS_ULP),
        "sum": Near(lambda: mpmath.fsum(per_sample(Z, TARGETS)), dtype="float32", ulp=REDUCED_ULP),
        "mean": Near(lambda: index_mean(Z, TARGETS), dtype="float32", ulp=REDUCED_ULP),
        # Gathering weights copies them: exact.
        "weight_of_target": Near(lambda: [f32(WEIGHT[y]) for y in TARGETS], dtype="float32", ulp=0),
        # 1 + 0.5 + 2 + 2: every partial sum is a short binary fraction, so float32 adds it exactly.
        "weight_mass": Near(lambda: weight_mass(TARGETS, WEIGHT), dtype="float32", ulp=0),
        "w_none": Near(lambda: per_sample(Z, TARGETS, WEIGHT), dtype="float32", ulp=LOSS_ULP),
        "w_none_is_weight_times_loss": Exact(True, why=(
            "the kernel's 'none' entry is -log q_y times w[y], one float32 product; "
            "w[y] times the unweighted loss is that same product")),
        "w_sum": Near(lambda: mpmath.fsum(per_sample(Z, TARGETS, WEIGHT)), dtype="float32", ulp=REDUCED_ULP),
        "w_mean": Near(lambda: index_mean(Z, TARGETS, WEIGHT), dtype="float32", ulp=REDUCED_ULP),
        "w_none_mean": Near(lambda: mpmath.fsum(per_sample(Z, TARGETS, WEIGHT)) / 4, dtype="float32", ulp=REDUCED_ULP),
        # Ten times every weight: 'mean' unchanged, 'sum' ten times larger (20, 10, 5 are exact).
        "scaled_mean": Near(lambda: index_mean(Z, TARGETS, [10 * w for w in WEIGHT]), dtype="float32", ulp=REDUCED_ULP),
        "scaled_sum": Near(lambda: mpmath.fsum(per_sample(Z, TARGETS, [10 * w for w in WEIGHT])),
                           dtype="float32", ulp=REDUCED_ULP),
        # One sample: w l / w = l.
        "alone": Near(lambda: index_mean(Z_ALONE, TARGETS[-1:], WEIGHT), dtype="float32", ulp=REDUCED_ULP),
        "alone_unweighted": Near(lambda: index_mean(Z_ALONE, TARGETS[-1:]), dtype="float32", ulp=LOSS_ULP),
    },
    "ignore_index.py": {
        "logits": Input(LOGITS, dtype="float32"),
        "targets": Input(TARGETS_ONE_IGNORED, dtype="int64"),
        "weight": Input(WEIGHT, dtype="float32"),
        "ignore_index": Input(IGNORE, dtype="int64"),
        "n_kept": Exact(3, why="one of the four targets is ignore_index"),
        "per_sample": Near(lambda: per_sample(Z, TARGETS_ONE_IGNORED), dtype="float32", ulp=LOSS_ULP),
        "mean": Near(lambda: index_mean(Z, TARGETS_ONE_IGNORED), dtype="float32", ulp=REDUCED_ULP),
        # 1 + 0.5 + 2, exact in float32.
        "w_mass": Near(lambda: weight_mass(TARGETS_ONE_IGNORED, WEIGHT), dtype="float32", ulp=0),
        "w_mean": Near(lambda: index_mean(Z, TARGETS_ONE_IGNORED, WEIGHT), dtype="float32", ulp=REDUCED_ULP),
        "grad": Near(lambda: index_mean_grad(Z, TARGETS_ONE_IGNORED, WEIGHT), dtype="float32", ulp=GRAD_ULP),
        "ignored_row_zero": Exact(True, why=(
            "nll_loss_backward writes -w[y] / total_weight only at kept targets and leaves the rest 0; "
            "log_softmax's backward turns a zero row into a zero row")),
    },
    "two_denominators.py": {
        "logits": Input(LOGITS, dtype="float32"),
        "targets": Input(TARGETS, dtype="int64"),
        "weight": Input(WEIGHT, dtype="float32"),
        "batch_size": Exact(4, why="four rows of logits"),
        "none_equal": Exact(True, why=(
            "with a one-hot row the probability path sums one product w_y * log q_y and zeros; "
            "the index path forms the same product")),
        "sum_index": Near(lambda: mpmath.fsum(per_sample(Z, TARGETS, WEIGHT)), dtype="float32", ulp=REDUCED_ULP),
        "sum_prob": Near(lambda: mpmath.fsum(prob_per_sample(Z, ONE_HOT, WEIGHT)), dtype="float32", ulp=REDUCED_ULP),
        "weight_mass": Near(lambda: weight_mass(TARGETS, WEIGHT), dtype="float32", ulp=0),
        "index_mean": Near(lambda: index_mean(Z, TARGETS, WEIGHT), dtype="float32", ulp=REDUCED_ULP),
        "prob_mean": Near(lambda: prob_mean(Z, ONE_HOT, WEIGHT), dtype="float32", ulp=REDUCED_ULP),
        # (S / N) / (S / W) = W / N = 5.5 / 4; each rounded mean can move it.
        "ratio": Near(lambda: weight_mass(TARGETS, WEIGHT) / 4, dtype="float32", ulp=2 * REDUCED_ULP + 1),
        "index_style_from_prob": Near(lambda: index_mean(Z, TARGETS, WEIGHT), dtype="float32", ulp=REDUCED_ULP),
        "prob_style_from_index": Near(lambda: prob_mean(Z, ONE_HOT, WEIGHT), dtype="float32", ulp=REDUCED_ULP),
    },
    "probability_ignore.py": {
        "logits": Input(LOGITS, dtype="float32"),
        "targets": Input(TARGETS, dtype="int64"),
        "default_ignore_index": Exact(IGNORE, why="nn.functional.cross_entropy's signature at v2.13.0: ignore_index: int = -100"),
        "refused_0": Exact("ignore_index is not supported for floating point target", why=(
            "cross_entropy_loss_symint (LossNLL.cpp) checks ignore_index < 0 when the target has the input's shape")),
        "default_loss": Near(lambda: prob_mean(Z, ONE_HOT), dtype="float32", ulp=REDUCED_ULP),
        "minus_one_loss": Near(lambda: prob_mean(Z, ONE_HOT), dtype="float32", ulp=REDUCED_ULP),
        "negative_is_inert": Exact(True, why=(
            "the probability path never reads ignore_index after the sign check, so -1 and -100 run the same ops")),
        "skip": Input(SKIP, dtype="int64"),
        "batch_size": Exact(4, why="four rows of logits"),
        "n_kept": Exact(3, why="one of the four target rows is all zero"),
        "zero_row_mean": Near(lambda: prob_mean(Z, ZEROED), dtype="float32", ulp=REDUCED_ULP),
        "zero_row_kept_mean": Near(lambda: mpmath.fsum(prob_per_sample(Z, ZEROED)) / 3, dtype="float32", ulp=REDUCED_ULP),
        "zero_row_grad_zero": Exact(True, why=(
            "the gradient of -sum_j p_j log q_j is q * sum_j p_j - p, which is 0 for p = 0")),
        "index_ignore_mean": Near(lambda: index_mean(Z, TARGETS_ONE_IGNORED), dtype="float32", ulp=REDUCED_ULP),
    },
    "all_ignored.py": {
        "logits": Input(LOGITS, dtype="float32"),
        "ignore_index": Input(IGNORE, dtype="int64"),
        "mean": Exact("nan", why="'mean' divides a sum of 0 by a total_weight of 0, and 0 / 0 is NaN"),
        "mean_is_nan": Exact(True, why="0 / 0 is NaN in IEEE 754"),
        # Nothing is added to the accumulator, which starts at 0.
        "sum": Near(lambda: mpmath.mpf(0), dtype="float32", ulp=0),
        "weighted_mean": Exact("nan", why="with weights the total_weight is the empty sum, 0, too"),
        "grad_all_zero": Exact(True, why=(
            "nll_loss_backward writes its -1 / total_weight only at kept targets; there are none")),
        "zero_weight_mean": Exact("nan", why="a sum of 0 * (-log q) over a total_weight of 0 + 0 + 0 + 0"),
        "zero_weight_grad_all_nan": Exact(True, why=(
            "each kept target gets w[y] * (-1 / 0) = 0 * -inf = NaN, and log_softmax's backward "
            "sums the row, spreading it to every entry")),
        "running": Exact("nan", why="a NaN added to any float is NaN"),
        # The guard divides 0 by 1.
        "guarded_all_ignored": Near(lambda: mpmath.mpf(0), dtype="float32", ulp=0),
        "guarded_all_ignored_grad_zero": Exact(True, why="no target is kept, so nll_loss_backward writes nothing"),
        "guarded_zero_weight": Near(lambda: mpmath.mpf(0), dtype="float32", ulp=0),
        "guarded_zero_weight_grad_zero": Exact(True, why=(
            "'sum' has no division; each kept target gets w[y] * (-1 / 1) with w[y] = 0")),
        # torch.where picks the 0 branch for the value ...
        "where_guard_loss": Near(lambda: mpmath.mpf(0), dtype="float32", ulp=0),
        "where_guard_grad_all_nan": Exact(True, why=(
            "... but the backward of total / mass divides the 0 it receives by the mass 0; the NaN "
            "reaches each kept target through nll_loss_backward and every entry through log_softmax's")),
        "guarded_labelled": Near(lambda: index_mean(Z, TARGETS, WEIGHT), dtype="float32", ulp=REDUCED_ULP),
        "labelled_mean": Near(lambda: index_mean(Z, TARGETS, WEIGHT), dtype="float32", ulp=REDUCED_ULP),
    },
    "accumulate.py": {
        "n_data": Input(N_DATA, dtype="int64"),
        "n_classes": Input(N_CLASSES, dtype="int64"),
        "batch_size": Input(BATCH, dtype="int64"),
        "n_batches": Exact(16, why="1000 = 15 * 64 + 40: fifteen full batches and one of 40"),
        "last_batch": Exact(40, why="1000 - 15 * 64"),
        "weight": Input(DATA_WEIGHT, dtype="float32"),
        "boost": Input(BOOST, dtype="float32"),
        "unlabelled_one_in": Input(UNLABELLED_ONE_IN, dtype="int64"),
        "class_counts": Exact(_class_counts(), why="counted on the data set regenerated here"),
        "n_ignored": Exact(sum(1 for y in DATA_TARGETS if y == IGNORE), why="counted on the data set regenerated here"),
        "whole": Near(_whole, dtype="float32", ulp=DATASET_ULP),
        "mean_of_means": Near(_mean_of_means, dtype="float32", ulp=DATASET_ULP),
        "rel_error": Near(_rel_error, dtype="float32", ulp=REL_ERROR_ULP),
        "accumulated": Near(lambda: _whole()[2], dtype="float32", ulp=DATASET_ULP),
    },
    "legacy_arguments.py": {
        # _Reduction.legacy_get_string: None counts as True; reduce=False gives 'none',
        # else size_average decides between 'mean' and 'sum'; the reduction argument
        # is used only when both are None.
        "mapping": Exact([
            ["None", "None", "none"], ["None", "True", "mean"], ["None", "False", "none"],
            ["True", "None", "mean"], ["True", "True", "mean"], ["True", "False", "none"],
            ["False", "None", "sum"], ["False", "True", "sum"], ["False", "False", "none"],
        ], why="torch/nn/_reduction.py legacy_get_string and _Loss.__init__ in torch/nn/modules/loss.py"),
        "warning": Exact(
            "size_average and reduce args will be deprecated, please use reduction='sum' instead.",
            why="the message of legacy_get_string with size_average=False, reduce=None -> 'sum'"),
        "warning_category": Exact("UserWarning", why="warnings.warn without a category"),
    },
    "weight_sweep.py": {
        "logits": Input(LOGITS, dtype="float32"),
        "targets": Input(TARGETS, dtype="int64"),
        "w0": Input(W0_VALUES, dtype="float32"),
        "index_means": Near(lambda: _sweep(index=True), dtype="float32", ulp=REDUCED_ULP),
        "prob_means": Near(lambda: _sweep(index=False), dtype="float32", ulp=REDUCED_ULP),
        "class0_mean": Near(lambda: _class_mean(True), dtype="float32", ulp=REDUCED_ULP),
        "others_mean": Near(lambda: _class_mean(False), dtype="float32", ulp=REDUCED_ULP),
    },
    "internals.py": {
        "enums": Exact([0, 1, 2], why=_CE_ENUM_WHY),
        # Sums of the kept targets' weights (4 ones; 1 + 0.5 + 2 + 2; 1 + 0.5 + 2; none),
        # all exact in float32.
        "total_weights": Near(lambda: [weight_mass(TARGETS), weight_mass(TARGETS, WEIGHT),
                                       weight_mass(TARGETS_ONE_IGNORED, WEIGHT),
                                       weight_mass([IGNORE] * 4, WEIGHT)], dtype="float32", ulp=0),
        "index_grad_fn": Exact("NllLossBackward0", why=(
            "class-index targets end in nll_loss_nd -> nll_loss -> nll_loss_forward, whose derivative is nll_loss_backward")),
        "prob_grad_fn": Exact("DivBackward1", why=(
            "cross_entropy_loss_prob_target ends with a tensor divided by the number N, a div by a scalar")),
    },
    "mistakes.py": {
        "void": Input(VOID, dtype="int64"),
        "errors": Exact([
            "RuntimeError: weight tensor should be defined either for all 3 classes or no classes "
            "but got weight tensor of shape: [2]",
            "RuntimeError: expected scalar type Float but found Double",
            "IndexError: Target 255 is out of bounds.",
            "ValueError: avg is not a valid value for reduction",
        ], why=("the messages of the weight-shape check in nll_loss_forward's meta function, the dtype "
                "check of the weight, the TORCH_CHECK_INDEX on each target, and _reduction.get_enum")),
        "fixed": Near(lambda: index_mean(Z, TARGETS_ONE_IGNORED), dtype="float32", ulp=REDUCED_ULP),
    },
}


# ------------------------------------------------------------------ the checks can fail


def _ulp_f32(ref: mpmath.mpf) -> mpmath.mpf:
    return float32_ulp(ref, "float32")


def _within(value: float, ref: mpmath.mpf, ulp: int) -> bool:
    return abs(mpmath.mpf(value) - ref) <= ulp * _ulp_f32(ref)


def _self_check():
    """The references separate a right value from a wrong one at each budget used above."""
    cases = [
        (per_sample(Z, TARGETS)[2], LOSS_ULP),                    # the smallest loss
        (index_mean(Z, TARGETS, WEIGHT), REDUCED_ULP),            # the weighted 'mean'
        (prob_mean(Z, ONE_HOT, WEIGHT), REDUCED_ULP),             # the probability 'mean'
        (index_mean_grad(Z, TARGETS_ONE_IGNORED, WEIGHT)[3][0], GRAD_ULP),
        (_whole()[2], DATASET_ULP),
    ]
    for ref, ulp in cases:
        right = float(numpy.float32(float(ref)))
        assert _within(right, ref, ulp), (ref, right)
        for factor in (1 + 1e-4, 1 - 1e-4):
            assert not _within(float(numpy.float32(right * factor)), ref, ulp), (ref, factor, ulp)
    # A relative error is printed as a percentage with two decimals: one unit of
    # that last digit (1e-4) off must fail.
    for ref in _rel_error():
        right = float(numpy.float32(float(ref)))
        assert _within(right, ref, REL_ERROR_ULP)
        for shift in (1e-4, -1e-4):
            assert not _within(right + shift, ref, REL_ERROR_ULP), (ref, shift)
    # The two denominators really differ: a mix-up between them cannot pass.
    assert not _within(float(numpy.float32(float(prob_mean(Z, ONE_HOT, WEIGHT)))),
                       index_mean(Z, TARGETS, WEIGHT), REDUCED_ULP)
    # The weights are exactly where the formulas say: 5.5 = 1 + 0.5 + 2 + 2.
    assert weight_mass(TARGETS, WEIGHT) == mpmath.mpf("5.5")
    # The gradient formula agrees with a central difference of the loss at 200 bits.
    h = mpmath.mpf(2) ** -60
    grad = index_mean_grad(Z, TARGETS_ONE_IGNORED, WEIGHT)
    for i in range(4):
        for j in range(3):
            up = [row[:] for row in Z]
            down = [row[:] for row in Z]
            up[i][j] += h
            down[i][j] -= h
            numeric = (index_mean(up, TARGETS_ONE_IGNORED, WEIGHT) - index_mean(down, TARGETS_ONE_IGNORED, WEIGHT)) / (2 * h)
            assert abs(numeric - grad[i][j]) < mpmath.mpf(2) ** -100


def test_self_check():
    _self_check()
