"""Independent checks of the values that docs/cross-entropy.md binds, new or changed by the errata.

Only the values that the errata added or changed are here; the others are still
checked by tests/test_reference_values.py until they are migrated. Nothing here
imports torch or reads a snippet's outputs: the inputs are stated again, rounded
to their dtype exactly, and every float is recomputed from the formula in 200-bit
mpmath. Where PyTorch stores an intermediate result in bfloat16, the reference
rounds that intermediate the same way (`bf16` below), so the check can be exact.
"""
from __future__ import annotations

import mpmath
import numpy as np

from reference_checks import Bounded, Exact, Input, Near  # provided by the lead; do not write it

mpmath.mp.prec = 200

# ---------------------------------------------------------------- inputs, as the article states them

BATCH_LOGITS = [[1.0, 2.0, 0.5], [0.1, 0.5, 2.0]]
BATCH_TARGETS = [1, 2]
GAP_LOGITS = [[0.0, 1000.0]]
FORMULA_BOUND_K = 4  # the bound the article states for z - logsumexp(z), in eps x max(|z_j|, |LSE|)
SWEEP_SCALES, SWEEP_CLASSES, SWEEP_ROWS = [1, 10, 100, 1000], [3, 10, 1000], 1000
EPS32 = mpmath.mpf(2) ** -23  # float32 machine epsilon

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


# ---------------------------------------------------------------- the checks

CHECKS = {
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
    "batch.py": {
        "formula_bound_k": Exact(FORMULA_BOUND_K, why="the bound the article and the snippet state"),
        "formula_within_bound": Exact(True, why="for logits this small (|z_j|, LSE < 2.5) the two evaluation "
                                                "orders differ by at most a few ulp of 2.5, under 4 eps x 2.46"),
    },
    "bitwise.py": {
        "device": Exact("cpu", why="the grid's tensors are created on the CPU"),
        "autocast": Exact(False, why="the snippet enters no autocast region"),
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
        "n_detach": Exact(KERNEL_CALLS.count("detach"), why="save and unpack of _log_softmax's output, AccumulateGrad"),
        "n_kernel_calls_autograd_grad": Exact(len(KERNEL_CALLS) - 1,
                                              why="torch.autograd.grad fills no .grad: no AccumulateGrad detach"),
        "autograd_grad_drops_last_detach": Exact(True, why="the only difference is AccumulateGrad's detach"),
    },
    "stability.py": {
        "naive_grad_at_p_is_neg_inf": Exact(True, why="d loss / d log q_0 = -1; log's backward divides by q_0 = 0"),
        # Modelled rounding: -log(1 + e^-1000) is about -5e-435, stored in float32 as (-)0.
        "stable_log_probs": Near(lambda: [[to_f32(-1000), gap_log_softmax_entry_1()]], dtype="float32", ulp=0),
    },
}


# ---------------------------------------------------------------- self-check: these references can fail


def _ulps(value: float, reference: mpmath.mpf) -> float:
    """|value - reference| in float32 ulps at the reference (2**-149 below the normal range)."""
    magnitude = abs(reference)
    if magnitude < mpmath.mpf(2) ** -126:
        return float(abs(mpmath.mpf(value) - reference) / mpmath.mpf(2) ** -149)
    exponent = int(mpmath.floor(mpmath.log(magnitude, 2)))
    if mpmath.mpf(2) ** exponent > magnitude:
        exponent -= 1
    elif mpmath.mpf(2) ** (exponent + 1) <= magnitude:
        exponent += 1
    return float(abs(mpmath.mpf(value) - reference) / mpmath.mpf(2) ** (exponent - 23))


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
    # The Bounded range for the sweep's gap: a gap within the old comment's 1e-6 would fail it.
    low, high = 1e-6, float(4 * EPS32 * (7 * 10 + 7))
    assert not (low <= 5e-7 <= high) and not (low <= 1e-4 <= high)


def test_self_check():
    _self_check()
