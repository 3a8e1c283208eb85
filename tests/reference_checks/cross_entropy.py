"""Independent checks of every value that docs/cross-entropy.md binds (snippets/cross_entropy/).

Nothing here imports torch or reads a snippet's outputs: the inputs are stated
again, from the article's text, rounded to their dtype exactly, and every float
is recomputed from the formula in 200-bit mpmath (`formulas.py`). Where PyTorch
stores an intermediate result in bfloat16, the reference rounds that
intermediate the same way (`bf16` below), so the check can be exact.

Budgets. A correctly rounded float32 result is within 0.5 ulp. The snippets
chain a handful of float32 operations (max, subtract, exp, sum, log, subtract,
then a mean), each adding up to 0.5 ulp of its own result, and PyTorch's
vectorised exp/log are accurate to about 1 ulp rather than 0.5; the largest
distance observed is under 2 ulp. 4 ulp (`F32`) covers that with a margin and is
still a relative error of about 5e-7 at most: a real mistake (a wrong input, a
missing term, a changed reduction) lands hundreds of ulp away or more.
"""
from __future__ import annotations

import mpmath
import numpy as np

from reference_checks import Bounded, Exact, Input, Near, ulp
from reference_checks import formulas as ref

mpmath.mp.prec = 200

# ---------------------------------------------------------------- inputs, as the article states them

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
F32 = 4  # the float32 budget, in ulp (see the module's docstring)
FORMULA_BOUND_K = 4  # the bound the article states for z - logsumexp(z), in eps x max(|z_j|, |LSE|)
SWEEP_SCALES, SWEEP_CLASSES, SWEEP_ROWS = [1, 10, 100, 1000], [3, 10, 1000], 1000
EPS32 = mpmath.mpf(2) ** -23  # float32 machine epsilon
# The gap sweep: logits (0, gap), target 0; the close-up grid's step.
SWEEP_CLOSE_STEP = 0.01
GRADIENT_LOGITS, GRADIENT_TARGET = WORKED_LOGITS, WORKED_TARGET  # the gradient figure's sample

# The operators in the profiler tree of nn.CrossEntropyLoss, with the overloads
# the C++ code calls (LossNLL.cpp: at::log_softmax(self, dim, dtype), which calls
# input.toType(dtype) -> Tensor::to(TensorOptions) -> aten::to.dtype_layout).
CHAIN = ["aten::cross_entropy_loss", "aten::log_softmax.int", "aten::to.dtype_layout",
         "aten::_log_softmax", "aten::nll_loss_nd", "aten::nll_loss", "aten::nll_loss_forward"]
# CompositeImplicitAutograd in native_functions.yaml: every one but the two with
# CPU kernels of their own (_log_softmax, nll_loss_forward).
COMPOSITE = [True, True, True, False, True, True, False]
# What a TorchDispatchMode sees for loss.backward(): the two forward kernels, the
# initial gradient, the two backward kernels; a detach where autograd saves the
# output of _log_softmax, one where it unpacks it, one where AccumulateGrad
# stores x.grad (accumulate_grad.h: update_grad(new_grad.detach())).
KERNEL_CALLS = ["_log_softmax", "detach", "nll_loss_forward", "ones_like", "nll_loss_backward",
                "detach", "_log_softmax_backward_data", "detach"]

# ---------------------------------------------------------------- formulas


def f32(x: float) -> mpmath.mpf:
    """The exact value of the float32 nearest to x."""
    return mpmath.mpf(float(np.float32(x)))


def bf16(x) -> mpmath.mpf:
    """x rounded to bfloat16: 8 significant bits, to nearest, ties to even (normal range only)."""
    with mpmath.workprec(8):
        return +mpmath.mpf(x)


def to_f32(x) -> mpmath.mpf:
    """x rounded to float32 (for results PyTorch stores in float32)."""
    return mpmath.mpf(float(np.float32(float(x))))


def log_softmax(z):
    lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z))
    return [v - lse for v in z]


def log_softmax_bf16_kernel(z):
    """log_softmax of bfloat16 input on the CPU: the kernel (_vec_log_softmax_lastdim in
    SoftMaxKernel.cpp) keeps the sum of exponentials and its logarithm in scalar_t, here
    bfloat16, then rounds z - max - log(sum) to bfloat16. Intermediates inside one step are
    float32, far more precise than the bfloat16 rounding that follows them."""
    m = max(z)
    log_sum = bf16(mpmath.log(bf16(mpmath.fsum(mpmath.exp(v - m) for v in z))))
    return [bf16(v - m - log_sum) for v in z]


def batch_bf16():
    """The batch's logits rounded to bfloat16, as `logits.to(torch.bfloat16)` does (from float32)."""
    return [[bf16(f32(v)) for v in row] for row in BATCH_LOGITS]


def mean_nll(log_probs, targets):
    return -mpmath.fsum(row[y] for row, y in zip(log_probs, targets)) / len(targets)


def ce_on_bf16_logits_in_f32():
    """Autocast on: cross_entropy_loss is cast to float32 first, so the float32 loss of the
    bfloat16-rounded logits."""
    return mean_nll([log_softmax(row) for row in batch_bf16()], BATCH_TARGETS)


def bf16_log_probs():
    return [log_softmax_bf16_kernel(row) for row in batch_bf16()]


def two_calls_autocast():
    """Autocast on: log_softmax in bfloat16 (not on the CPU lists), then nll_loss cast to
    float32: the float32 mean of the (exact) bfloat16 log-probabilities."""
    return mean_nll(bf16_log_probs(), BATCH_TARGETS)


def two_calls_no_autocast():
    """Autocast off, bfloat16 throughout: the same bfloat16 log-probabilities, and nll_loss's
    bfloat16 result of their mean (accumulated in float32, rounded once to bfloat16)."""
    return bf16(two_calls_autocast())


def one_call_no_autocast():
    """cross_entropy_loss on bfloat16 logits without autocast calls the same two kernels on the
    same bfloat16 tensors as the two-call way (the identity of the bit-for-bit grid)."""
    return two_calls_no_autocast()


def gap_log_softmax_entry_1():
    """log_softmax((0, 1000))_1 = -log(1 + e^-1000), about -5e-435, which float32 stores as 0."""
    z = [f32(v) for v in GAP_LOGITS[0]]
    return to_f32(log_softmax(z)[1])


def first_f32_above(x, inclusive: bool) -> float:
    """The smallest float32 that is above x (or equal to it, when `inclusive`)."""
    candidate = np.float32(float(x))
    while mpmath.mpf(float(candidate)) < x or (not inclusive and mpmath.mpf(float(candidate)) == x):
        candidate = np.nextafter(candidate, np.float32(np.inf))
    while True:
        below = np.nextafter(candidate, np.float32(-np.inf))
        if mpmath.mpf(float(below)) > x or (inclusive and mpmath.mpf(float(below)) == x):
            candidate = below
        else:
            return float(candidate)


def gap_where_q0_is_subnormal():
    """softmax((0, g))_0 rounds e^-g (the sum rounds to 1). It is below 2**-126 once e^-g is
    below 2**-126 minus half the subnormal spacing, 2**-150: for g > -log(2**-126 - 2**-150)."""
    return first_f32_above(-mpmath.log(mpmath.mpf(2) ** -126 - mpmath.mpf(2) ** -150), inclusive=False)


def gap_where_q0_is_zero():
    """e^-g rounds to 0 once it is at most half the smallest subnormal, 2**-150 (a tie goes to
    the even 0): for g >= 150 log 2."""
    return first_f32_above(150 * mpmath.log(2), inclusive=True)


# ---------------------------------------------------------------- references of the original values


def _batch():
    return ref.f32_matrix(BATCH_LOGITS)


def _worked():
    return ref.f32_vector(WORKED_LOGITS)


def _definition_batch_per_sample():
    rows = ref.f32_matrix(DEFINITION_BATCH_Q)
    return [-mpmath.log(q[y]) for q, y in zip(rows, DEFINITION_BATCH_TARGETS, strict=True)]


def _one_hot(y: int, c: int) -> list:
    return [mpmath.mpf(1 if j == y else 0) for j in range(c)]


def _softmax_first():
    return ref.cross_entropy_of_softmax(_batch(), BATCH_TARGETS)


def _max_abs(nested):
    return max(abs(x) for x in ref.flatten(nested))


def _ce_of_log_softmax():
    # CrossEntropyLoss fed log-probabilities: log_softmax applied twice.
    twice = [ref.log_softmax(z) for z in _batch()]
    return ref.cross_entropy_batch(twice, BATCH_TARGETS, "mean")


def _gap_grad():
    return ref.cross_entropy_grad(ref.f32_matrix(GAP_LOGITS), GAP_TARGETS)


def _batch_mean():
    return ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "mean")


# ---------------------------------------------------------------- the checks

CHECKS = {
    "worked_example.py": {
        "logits": Input(WORKED_LOGITS),
        "target": Exact(WORKED_TARGET, why="the target class the article states"),
        "exp": Near(lambda: [mpmath.exp(z) for z in _worked()], ulp=F32),
        "sum_exp": Near(lambda: mpmath.fsum(mpmath.exp(z) for z in _worked()), ulp=F32),
        "softmax": Near(lambda: ref.softmax(_worked()), ulp=F32),
        "logsumexp": Near(lambda: ref.logsumexp(_worked()), ulp=F32),
        "log_softmax": Near(lambda: ref.log_softmax(_worked()), ulp=F32),
        "nll": Near(lambda: ref.nll(ref.log_softmax(_worked()), WORKED_TARGET), ulp=F32),
        "ce_loss": Near(lambda: ref.cross_entropy(_worked(), WORKED_TARGET), ulp=F32),
        "two_step_loss": Near(lambda: ref.cross_entropy(_worked(), WORKED_TARGET), ulp=F32),
        "two_step_equal": Exact(True, why="cross_entropy calls log_softmax then nll_loss, the same two kernels as the two-step way (LossNLL.cpp)"),
    },
    "batch.py": {
        "logits": Input(BATCH_LOGITS),
        "targets": Exact(BATCH_TARGETS, why="the batch's target classes, stated in the article"),
        "batch_size": Exact(len(BATCH_LOGITS), why="two rows of logits"),
        "logsumexp": Near(lambda: [ref.logsumexp(z) for z in _batch()], ulp=F32),
        "log_probs": Near(lambda: [ref.log_softmax(z) for z in _batch()], ulp=F32),
        "picked": Near(lambda: [ref.log_softmax(z)[y] for z, y in zip(_batch(), BATCH_TARGETS)], ulp=F32),
        "nll_loss": Near(_batch_mean, ulp=F32),
        "ce_loss": Near(_batch_mean, ulp=F32),
        "two_step_loss": Near(_batch_mean, ulp=F32),
        "losses_equal": Exact(True, why="the same two kernels run on the same tensors either way"),
        "ce_per_sample": Near(lambda: ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "none"), ulp=F32),
        "two_step_per_sample": Near(lambda: ref.cross_entropy_batch(_batch(), BATCH_TARGETS, "none"), ulp=F32),
        "per_sample_equal": Exact(True, why="reduction='none' skips only the final mean; the kernels are the same"),
        "formula_bound_k": Exact(FORMULA_BOUND_K, why="the bound the article and the snippet state"),
        "formula_within_bound": Exact(True, why="for logits this small (|z_j|, LSE < 2.5) the two evaluation "
                                                "orders differ by at most a few ulp of 2.5, under 4 eps x 2.46"),
    },
    "definition.py": {
        "q": Input(DEFINITION_Q),
        "p_soft": Input(DEFINITION_P_SOFT),
        "h_soft": Near(lambda: ref.cross_entropy_between(ref.f32_vector(DEFINITION_P_SOFT), ref.f32_vector(DEFINITION_Q)), ulp=F32),
        "target": Exact(DEFINITION_TARGET, why="the target class the article states"),
        "h_one_hot": Near(lambda: ref.cross_entropy_between(_one_hot(DEFINITION_TARGET, 3), ref.f32_vector(DEFINITION_Q)), ulp=F32),
        "minus_log_q_y": Near(lambda: -mpmath.log(ref.f32_vector(DEFINITION_Q)[DEFINITION_TARGET]), ulp=F32),
        "one_hot_identical": Exact(True, why="with a one-hot p every term but -log q_y is 0 * log q_j = 0, which float32 adds exactly"),
        "batch_q": Input(DEFINITION_BATCH_Q),
        "batch_targets": Exact(DEFINITION_BATCH_TARGETS, why="the targets the article states"),
        "batch_per_sample": Near(_definition_batch_per_sample, ulp=F32),
        "batch_mean": Near(lambda: mpmath.fsum(_definition_batch_per_sample()) / 2, ulp=F32),
    },
    "softmax.py": {
        "logits": Input(SOFTMAX_LOGITS),
        "softmax": Near(lambda: ref.softmax(ref.f32_vector(SOFTMAX_LOGITS)), ulp=F32),
        # The exact sum is 1; the stored value is the float32 sum of rounded terms.
        "softmax_sum": Near(lambda: mpmath.mpf(1), ulp=F32),
        "all_positive": Exact(True, why="every term is exp of a finite logit over a positive sum, and none of these underflows"),
        "same_ranking": Exact(True, why="softmax is strictly increasing in each logit, so the order of the logits is kept"),
        "shift": Input(SOFTMAX_SHIFT),
        "shift_equal": Exact(True, why="softmax subtracts the maximum first, so adding 100 to every logit leaves z - max unchanged (exactly, for these logits)"),
    },
    "stability.py": {
        "gap_logits": Input(GAP_LOGITS),
        "target": Exact(GAP_TARGETS, why="the target class the article states"),
        # exp(-1000) / (1 + exp(-1000)) is far below 2**-149, so float32 holds 0.
        "naive_softmax": Near(lambda: [ref.softmax(z) for z in ref.f32_matrix(GAP_LOGITS)], ulp=F32),
        "naive_log_prob_is_neg_inf": Exact(True, why="log of a probability that underflowed to 0"),
        "naive_loss_is_inf": Exact(True, why="minus the -inf log-probability"),
        "naive_grad_all_nan": Exact(True, why="inf times the 0 probability in the backward pass gives NaN, and it spreads to every logit"),
        "naive_grad_at_p_is_neg_inf": Exact(True, why="d loss / d log q_0 = -1; log's backward divides by q_0 = 0"),
        # Modelled rounding: -log(1 + e^-1000) is about -5e-435, stored in float32 as (-)0.
        "stable_log_probs": Near(lambda: [[to_f32(-1000), gap_log_softmax_entry_1()]], dtype="float32", ulp=0),
        "stable_loss": Near(lambda: ref.cross_entropy_batch(ref.f32_matrix(GAP_LOGITS), GAP_TARGETS, "mean"), ulp=F32),
        "stable_grad": Near(_gap_grad, ulp=F32),
        "stable_all_finite": Exact(True, why="z - logsumexp(z) never takes the log of 0"),
        "overflow_logits": Input(OVERFLOW_LOGITS),
        "literal_softmax_all_nan": Exact(True, why="exp(1000) overflows float32 to inf, and inf / inf is NaN"),
        "shifted_softmax": Near(lambda: ref.softmax(ref.f32_vector(OVERFLOW_LOGITS)), ulp=F32),
        "torch_softmax": Near(lambda: ref.softmax(ref.f32_vector(OVERFLOW_LOGITS)), ulp=F32),
        "lse_trick_equal": Exact(True, why="torch.softmax subtracts the maximum too, with the same float32 operations"),
        "smallest_positive_log2": Exact(-149, why="IEEE 754 binary32: the smallest subnormal is 2**(emin - p + 1) = 2**(-126 - 24 + 1)"),
        "above_largest_log2": Exact(128, why="IEEE 754 binary32: the largest finite value is (2 - 2**-23) * 2**127, just below 2**128"),
    },
    "guidance.py": {
        "logits": Input(BATCH_LOGITS),
        "targets": Exact(BATCH_TARGETS, why="the batch's target classes, stated in the article"),
        "loss_right": Near(_batch_mean, ulp=F32),
        "loss_softmax_first": Near(lambda: _softmax_first()[0], ulp=F32),
        "grad_right": Near(lambda: ref.cross_entropy_grad(_batch(), BATCH_TARGETS), ulp=F32),
        "grad_softmax_first": Near(lambda: _softmax_first()[1], ulp=F32),
        "grad_abs_max_right": Near(lambda: _max_abs(ref.cross_entropy_grad(_batch(), BATCH_TARGETS)), ulp=F32),
        "grad_abs_max_softmax_first": Near(lambda: _max_abs(_softmax_first()[1]), ulp=F32),
        # Best case with softmax first: the one-hot vector as logits, log(e + C - 1) - 1.
        "softmax_first_floor": Near(lambda: mpmath.log(mpmath.e + 2) - 1, ulp=F32),
        "loss_log_softmax_first": Near(_ce_of_log_softmax, ulp=F32),
        "log_softmax_first_close": Exact(True, why="log_softmax is idempotent: its output's logsumexp is 0, so applying it again changes only rounding"),
        "soft_targets": Input(SOFT_TARGETS),
        "loss_soft_targets": Near(lambda: ref.cross_entropy_soft_targets(_batch(), ref.f32_matrix(SOFT_TARGETS)), ulp=F32),
        "soft_targets_close": Exact(True, why="the probability-target formula with the same targets, computed two ways"),
        "label_smoothing": Exact(LABEL_SMOOTHING, why="the epsilon the article states"),
        "loss_label_smoothing": Near(lambda: ref.cross_entropy_label_smoothing(_batch(), BATCH_TARGETS, mpmath.mpf(LABEL_SMOOTHING)), ulp=F32),
        "label_smoothing_close": Exact(True, why="label smoothing equals soft targets (1 - eps) one-hot + eps / C"),
        "int32_targets_rejected": Exact(True, why="nll_loss requires int64 (Long) class indices"),
        "long_one_hot_rejected": Exact(True, why="integer targets of the logits' shape are not probabilities, and class indices must have one dimension fewer"),
    },
    "bitwise.py": {
        "device": Exact("cpu", why="the grid's tensors are created on the CPU"),
        "autocast": Exact(False, why="the snippet enters no autocast region"),
        "n_shapes": Exact(GRID_SHAPES, why="the grid's logit shapes"),
        "n_dtypes": Exact(GRID_DTYPES, why="the grid's dtypes"),
        "n_reductions": Exact(GRID_REDUCTIONS, why="mean, sum and none"),
        "n_cases": Exact(GRID_SHAPES * GRID_DTYPES * GRID_REDUCTIONS, why="every combination of the three"),
        "n_identical": Exact(GRID_SHAPES * GRID_DTYPES * GRID_REDUCTIONS, why="on the CPU, without autocast, both ways call the same kernels on the same tensors"),
        "all_identical": Exact(True, why="every case identical"),
    },
    "pieces.py": {
        "log_softmax_shape": Exact([SPATIAL_N, 3], why="log_softmax keeps its input's shape"),
        "ce_mean_shape": Exact([], why="'mean' returns a 0-dimensional tensor"),
        "ce_none_shape": Exact([SPATIAL_N], why="'none' returns one loss per sample"),
        "spatial_none_shape": Exact([SPATIAL_N, SPATIAL_D1], why="the target's shape, (N, d1)"),
        "spatial_positions": Exact(SPATIAL_N * SPATIAL_D1, why="N x d1 positions are averaged"),
        "spatial_mean_is_mean_of_none": Exact(True, why="'mean' over (N, d1) is the mean of the 'none' losses"),
    },
    "modularity.py": {
        "log_prob_rows_normalised": Exact(True, why="every row of log_softmax's output has logsumexp 0"),
        "mixture_normalised": Exact(True, why="a convex combination of distributions is a distribution"),
        "weighted_ignore_equal": Exact(True, why="weights and ignore_index act in nll_loss either way"),
    },
    "autocast.py": {
        "logits": Input(BATCH_LOGITS, dtype="float32"),
        "targets": Exact(BATCH_TARGETS, why="the batch's target classes, stated in the article"),
        "step_dtypes": Exact(["bfloat16", "bfloat16", "float32", "float32"],
                             why="autocast_mode.cpp, CPU: linear is lower_precision_fp (bfloat16); "
                                 "log_softmax has no AutocastCPU kernel, so it keeps its bfloat16 input; "
                                 "nll_loss and cross_entropy_loss are fp32"),
        # Exact: bfloat16 values are exactly representable in float32.
        "bf16_logits": Near(batch_bf16, dtype="float32", ulp=0),
        # Modelled exactly: a bfloat16 result is exact in float32, and the model rounds where PyTorch does.
        "off_one_call": Near(one_call_no_autocast, dtype="float32", ulp=0),
        "off_two_calls": Near(two_calls_no_autocast, dtype="float32", ulp=0),
        "off_equal": Exact(True, why="without autocast both ways call the same bfloat16 kernels on the same tensors"),
        # 4 ulp: as the float32 batch loss, log_softmax (max, subtract, exp, sum, log, subtract)
        # then nll's sum and division, each within an ulp or less.
        "on_one_call": Near(ce_on_bf16_logits_in_f32, dtype="float32", ulp=4),
        # 1 ulp: one float32 addition of two bfloat16 numbers, then an exact division by 2.
        "on_two_calls": Near(two_calls_autocast, dtype="float32", ulp=1),
        "on_equal": Exact(False, why="float32 log-softmax of the bfloat16 logits vs bfloat16 log-softmax: "
                                     "the references above differ by about 2e-3"),
        "on_one_call_dtype": Exact("float32", why="cross_entropy_loss is on the CPU fp32 autocast list"),
        "on_log_probs_dtype": Exact("bfloat16", why="log_softmax has no CPU autocast kernel"),
        # Exact: the model rounds the kernel's bfloat16 intermediates and output.
        "on_log_probs": Near(bf16_log_probs, dtype="float32", ulp=0),
        "on32_equal": Exact(True, why="float32 logits: log_softmax runs in float32 either way, nll_loss's "
                                      "cast to float32 is a no-op, so both ways call the same float32 kernels"),
    },
    "formula_gap.py": {
        "scales": Exact(SWEEP_SCALES, why="the sweep's logit scales, stated in the snippet"),
        "classes": Exact(SWEEP_CLASSES, why="the sweep's class counts"),
        "rows": Exact(SWEEP_ROWS, why="rows per case"),
        "largest_gap_at_scale_10": Bounded(
            1e-6, float(4 * EPS32 * (7 * 10 + 7)),
            why="above 1e-6 is what the article states; at most 4 eps x (max |z_j| + log C), with "
                "max |z_j| < 7 x 10 for the 1,013,000 draws of 10 N(0, 1) (P(|N| > 7) is about 2.6e-12 each) and log 1000 < 7. A float32 "
                "rounding artefact of two evaluation orders, not a formula mpmath can reproduce"),
        "largest_relative": Bounded(
            0.0, float(FORMULA_BOUND_K),
            why="each way rounds z - m (or m + log s) and the final subtraction at magnitudes up to "
                "2 max(|z_j|, |LSE|): about 3.5 eps x max(|z_j|, |LSE|) at first order, plus the sum's "
                "and log's own errors of a few eps; the article's bound of 4 must hold on the sweep"),
    },
    "gap_sweep.py": {
        "smallest_normal_log2": Exact(-126, why="IEEE 754 binary32: the smallest normal number is 2**emin, emin = -126"),
        "half_smallest_subnormal_log2": Exact(-150, why="IEEE 754 binary32: the smallest subnormal is 2**(-126 - 23) = 2**-149; half of it is 2**-150"),
        # Modelled rounding (ulp=0): PyTorch's exp is correctly rounded at these two boundaries.
        "subnormal_gap": Near(gap_where_q0_is_subnormal, dtype="float32", ulp=0),
        "underflow_gap": Near(gap_where_q0_is_zero, dtype="float32", ulp=0),
        "error_normal": Bounded(
            0.0, float(4 * mpmath.mpf(2) ** -17),
            why="while q_0 is a normal float32 both ways compute the same loss up to rounding: a few ulp "
                "of a loss below 87.34, where a float32 ulp is 2**-17"),
        "error_subnormal": Bounded(
            float(mpmath.log(2)) - 0.011, float(mpmath.log(2)),
            why="just below 150 log 2, e^-g lies between 2**-150 and 2**-149.5 and rounds to 2**-149, so the naive "
                "loss is 149 log 2 against about g: an error just under log 2 at the last grid point before the "
                f"underflow, which the grid's step of {SWEEP_CLOSE_STEP} places within 0.011 of 150 log 2"),
        "naive_inf_from_underflow": Exact(True, why="q_0 is 0 from the underflow gap on, and -log 0 = inf"),
        "stable_finite": Exact(True, why="log_softmax computes z - max - log(sum exp(z - max)), never the log of 0"),
    },
    "gradient.py": {
        "logits": Input(GRADIENT_LOGITS),
        "target": Exact(GRADIENT_TARGET, why="the worked example's target class, stated in the article"),
        "softmax": Near(lambda: ref.softmax(_worked()), ulp=F32),
        "one_hot": Exact([0.0, 1.0, 0.0], why="one-hot of class 1 among three"),
        "grad": Near(lambda: ref.cross_entropy_grad([_worked()], [GRADIENT_TARGET])[0], ulp=F32),
        "grad_minus_formula": Bounded(
            0.0, float(4 * EPS32 / 2),
            why="autograd forms exp(log_softmax(z)) - onehot, the formula softmax(z) - onehot: the same numbers "
                "rounded differently, a few ulp of entries below 1 apart"),
        "grad_sum": Bounded(
            -float(4 * EPS32 / 2), float(4 * EPS32 / 2),
            why="the exact entries add up to 0 because the q_j add up to 1; three float32 entries below 1 "
                "and their sum round by a few ulp of 1/2 at most"),
    },
    "internals.py": {
        "chain": Exact(CHAIN, why="the call chain of cross_entropy_loss_symint and nll_loss_nd_symint in LossNLL.cpp"),
        "composite": Exact(COMPOSITE, why="dispatch table: only _log_softmax and nll_loss_forward have CPU kernels"),
        "same_ops_as_tree": Exact(True, why="the chain, overloads removed, is the profiler tree in order"),
        "n_ops": Exact(len(CHAIN), why="the profiler tree shows 7 operators: the chain above"),
        "n_composite": Exact(sum(COMPOSITE), why="5 of the 7 are CompositeImplicitAutograd"),
        "n_with_kernel": Exact(len(CHAIN) - sum(COMPOSITE), why="_log_softmax and nll_loss_forward"),
        "kernel_calls": Exact(KERNEL_CALLS, why="see KERNEL_CALLS"),
        "n_kernel_calls": Exact(len(KERNEL_CALLS), why="see KERNEL_CALLS"),
        "same_kernels": Exact(True, why="nn.CrossEntropyLoss and the two modules dispatch the same kernels, forward and backward"),
        "n_detach": Exact(KERNEL_CALLS.count("detach"), why="save and unpack of _log_softmax's output, AccumulateGrad"),
        "n_kernel_calls_autograd_grad": Exact(len(KERNEL_CALLS) - 1,
                                              why="torch.autograd.grad fills no .grad: no AccumulateGrad detach"),
        "autograd_grad_drops_last_detach": Exact(True, why="the only difference is AccumulateGrad's detach"),
    },
}


# ---------------------------------------------------------------- self-check: these references can fail


def _ulps(value: float, reference: mpmath.mpf) -> float:
    """|value - reference| in float32 ulps at the reference."""
    return float(abs(mpmath.mpf(value) - reference) / ulp(reference, "float32"))


def _self_check():
    # The model of the bfloat16 kernel reproduces the values the article prints
    # (-1.4688, -0.4668, -1.9688 / -2.2188, -1.8203, -0.3184 at four decimals) ...
    expected = [[-1.46875, -0.466796875, -1.96875], [-2.21875, -1.8203125, -0.318359375]]
    assert [[float(v) for v in row] for row in bf16_log_probs()] == expected
    # ... and the plain correctly rounded bfloat16 of the exact log-softmax does not,
    # so the check can tell the kernel's rounding from a naive model of it.
    naive = [[float(bf16(v)) for v in log_softmax(row)] for row in batch_bf16()]
    assert naive != expected
    # The one-call loss under autocast: the right value passes, 1e-4 relative off fails.
    reference = ce_on_bf16_logits_in_f32()
    right = float(np.float32(float(reference)))
    assert _ulps(right, reference) <= 4
    for factor in (1 + 1e-4, 1 - 1e-4):
        assert _ulps(float(np.float32(right * factor)), reference) > 4
    # The two ways under autocast differ by far more than any budget above: on_equal is False.
    assert abs(two_calls_autocast() - reference) > 1e-3
    # A wrong two-call value (the float32 loss, i.e. forgetting the bfloat16 rounding) fails its 1-ulp check.
    float32_loss = mean_nll([log_softmax([f32(v) for v in row]) for row in BATCH_LOGITS], BATCH_TARGETS)
    assert _ulps(float(np.float32(float(float32_loss))), two_calls_autocast()) > 1
    # The 0 reached by log_softmax((0, 1000)): 0.0 passes with 0 ulp, the smallest subnormal does not.
    zero = gap_log_softmax_entry_1()
    assert _ulps(0.0, zero) == 0 and _ulps(2.0 ** -149, zero) >= 1
    # The two thresholds of the gap sweep are the float32 numbers right above 126 log 2 and
    # 150 log 2; the next float32 either way is a different number, so an off-by-one fails.
    assert gap_where_q0_is_subnormal() > float(126 * mpmath.log(2)) > float(np.nextafter(np.float32(gap_where_q0_is_subnormal()), np.float32(0)))
    assert gap_where_q0_is_zero() >= float(150 * mpmath.log(2)) > float(np.nextafter(np.float32(gap_where_q0_is_zero()), np.float32(0)))
    # The Bounded range for the sweep's gap: a gap within the old comment's 1e-6 would fail it.
    low, high = 1e-6, float(4 * EPS32 * (7 * 10 + 7))
    assert not (low <= 5e-7 <= high) and not (low <= 1e-4 <= high)


def test_self_check():
    _self_check()
