"""Independent checks of every value that docs/cross-entropy-gradient.md binds.

Nothing here imports torch or reads a snippet's outputs. Each input is stated
again (rounded to its dtype exactly, as the snippet's tensor holds it), and
each result is recomputed from the article's formulas in 200-bit mpmath.
Where a snippet draws random inputs, it draws them from NumPy's seeded
generator with uniform draws and IEEE arithmetic only, so the same lines
below rebuild the very same numbers; an `Input` check then confirms that the
stored inputs are those numbers.

The formulas (row i of the gradient of the loss with respect to the logits):

    q_i = softmax(z_i)
    p_i = (1 - eps) * target_i + eps / C      target_i: one-hot of y_i, or a row of probabilities
    u_i = w * p_i                              elementwise; w = 1 without class weights
    s_i = sum_j u_ij
    grad_i = (s_i q_i - u_i) / D               D = 1 for 'sum' and 'none',
                                               D = sum_n w[y_n] for 'mean' with index targets,
                                               D = N for 'mean' with probability targets.

A few stored values are float32 artefacts (a gradient entry that rounds to
exactly 0, the first logit gap at which it does). Those are checked against a
model of the kernel's float32 (or float64) rounding: every step computed at
200 bits and rounded to the dtype, as the kernel rounds it.

Ulp budgets: a correctly rounded result is within 0.5 ulp. PyTorch's CPU
kernels chain a handful of rounded operations (max, subtract, exp, sum, log,
subtract, then exp again in the backward pass, a multiply and a subtract), and
their vectorised exp and log are accurate to about 1 ulp, not 0.5. Each budget
below says how many operations it covers and where cancellation enlarges it.
"""
from __future__ import annotations

import mpmath
import numpy as np

from reference_checks import Bounded, Exact, Input, Near, ulp

mpmath.mp.prec = 200

# ---------------------------------------------------------------- inputs, restated

WORKED_LOGITS = [1.0, 2.0, 0.5]
WORKED_TARGET = 1
BATCH_LOGITS = [[1.0, 2.0, 0.5], [0.1, 0.5, 2.0]]
BATCH_TARGETS = [1, 2]
SOFT_TARGETS = [[0.1, 0.8, 0.1], [0.0, 0.3, 0.7]]
RAW_TARGETS = [[1.0, 3.0, 0.0], [0.5, 0.5, 1.0]]
CLASS_WEIGHT = [1.0, 2.0, 0.5]
LABEL_SMOOTHING = 0.1  # a Python float (double), as the snippets pass it
GAP_LOGITS = [[20.0, 0.0]]
GAP_TARGET = 0
MARGINS = [1.0, 10.0, 100.0, 1000.0]
FIGURE_TARGET = 1
FIGURE_OTHERS = (1.0, 0.0)
FIGURE_T = [0.5 * k for k in range(-16, 17)]


def f32(x) -> mpmath.mpf:
    """The exact value of the float32 nearest to x."""
    return mpmath.mpf(float(np.float32(x)))


def f64(x) -> mpmath.mpf:
    return mpmath.mpf(float(x))


def rows(matrix, conv=f32):
    return [[conv(v) for v in row] for row in matrix]


# ---------------------------------------------------------------- formulas


def softmax(z):
    e = [mpmath.exp(v) for v in z]
    total = mpmath.fsum(e)
    return [v / total for v in e]


def logsumexp(z):
    return mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z))


def log_softmax(z):
    lse = logsumexp(z)
    return [v - lse for v in z]


def one_hot(y, c):
    return [mpmath.mpf(1 if j == y else 0) for j in range(c)]


def grad_rows(logits, targets, *, weight=None, eps=0.0, reduction="mean", upstream=None):
    """The article's unified formula: row i is (s_i q_i - u_i) / D.

    `targets` is a list of class indices (ints) or of probability rows.
    """
    n, c = len(logits), len(logits[0])
    index = isinstance(targets[0], int)
    w = [mpmath.mpf(1)] * c if weight is None else weight
    eps = mpmath.mpf(eps)
    out = []
    for i, z in enumerate(logits):
        t = one_hot(targets[i], c) if index else targets[i]
        p = [(1 - eps) * tj + eps / c for tj in t]
        u = [wj * pj for wj, pj in zip(w, p)]
        s = mpmath.fsum(u)
        out.append([s * qk - uk for qk, uk in zip(softmax(z), u)])
    if reduction == "mean":
        d = mpmath.fsum(w[y] for y in targets) if index else mpmath.mpf(n)
        out = [[g / d for g in row] for row in out]
    elif reduction == "none":
        out = [[g * upstream[i] for g in row] for i, row in enumerate(out)]
    return out


def per_sample_loss(logits, targets, *, weight=None, eps=0.0):
    """-sum_j u_ij log q_ij for each row (u as in grad_rows)."""
    c = len(logits[0])
    index = isinstance(targets[0], int)
    w = [mpmath.mpf(1)] * c if weight is None else weight
    eps = mpmath.mpf(eps)
    losses = []
    for i, z in enumerate(logits):
        t = one_hot(targets[i], c) if index else targets[i]
        p = [(1 - eps) * tj + eps / c for tj in t]
        losses.append(-mpmath.fsum(wj * pj * lq for wj, pj, lq in zip(w, p, log_softmax(z))))
    return losses


def mean_loss(logits, targets, *, weight=None, eps=0.0):
    losses = per_sample_loss(logits, targets, weight=weight, eps=eps)
    c = len(logits[0])
    w = [mpmath.mpf(1)] * c if weight is None else weight
    index = isinstance(targets[0], int)
    d = mpmath.fsum(w[y] for y in targets) if index else mpmath.mpf(len(losses))
    return mpmath.fsum(losses) / d


def max_abs(nested):
    flat = []

    def walk(x):
        if isinstance(x, list):
            for item in x:
                walk(item)
        else:
            flat.append(abs(x))

    walk(nested)
    return max(flat)


# ---------------------------------------------------------------- rounding models


def rounded(x: mpmath.mpf, dtype) -> mpmath.mpf:
    """x rounded to the nearest value of dtype (np.float32 or np.float64)."""
    if dtype is np.float64:
        return mpmath.mpf(float(x))  # float() of an mpf rounds to nearest double
    # Through float64 first: double rounding cannot flip a float32 result here,
    # because the 200-bit value is first rounded to 53 bits, far below float32's 24.
    return mpmath.mpf(float(np.float32(float(x))))


def kernel_two_class(gap: float, dtype):
    """log_softmax and d(mean cross-entropy)/dz for logits (gap, 0), target 0,
    with every step of PyTorch's CPU kernels rounded to dtype:

    forward (_vec_log_softmax_lastdim): m = max, s = sum_k exp(z_k - m),
        out_k = (z_k - m) - log(s);
    nll_loss_backward: g = (-1, 0) (N = 1);
    _log_softmax_backward_data: grad_k = g_k - exp(out_k) * sum(g).
    """
    r = lambda x: rounded(x, dtype)
    z = [r(mpmath.mpf(gap)), mpmath.mpf(0)]
    m = max(z)
    e = [r(mpmath.exp(r(zk - m))) for zk in z]
    s = r(e[0] + e[1])
    log_s = r(mpmath.log(s))
    out = [r(r(zk - m) - log_s) for zk in z]
    g = [mpmath.mpf(-1), mpmath.mpf(0)]
    total = mpmath.mpf(-1)
    grad = [r(gk - r(r(mpmath.exp(ok)) * total)) for gk, ok in zip(g, out)]
    return out, grad


def first_zero_gap(dtype) -> int:
    """The first integer gap d at which the modelled target gradient is exactly 0."""
    return next(d for d in range(1, 60) if kernel_two_class(float(d), dtype)[1][0] == 0)


# ---------------------------------------------------------------- random inputs, rebuilt


def gradcheck_inputs():
    """The same NumPy draws, in the same order, as snippets/cross_entropy_gradient/gradcheck.py."""
    rng = np.random.default_rng(2026)
    n, c = 4, 5
    z = 6.0 * rng.random((n, c)) - 3.0
    y = rng.integers(0, c, n)
    p_np = rng.random((n, c))
    p = p_np / p_np.sum(axis=1, keepdims=True)
    w = 0.5 + 1.5 * rng.random(c)
    v = rng.random(n) + 0.5
    return z, y, p, w, v


GC_Z, GC_Y, GC_P, GC_W, GC_V = gradcheck_inputs()
GC_FORMS = [  # (name, index targets?, weighted?, eps), in the snippet's order
    ("index", True, False, 0.0),
    ("index, weight", True, True, 0.0),
    ("index, weight, smoothing", True, True, LABEL_SMOOTHING),
    ("probabilities", False, False, 0.0),
    ("probabilities, weight", False, True, 0.0),
    ("probabilities, weight, smoothing", False, True, LABEL_SMOOTHING),
]
GC_REDUCTIONS = ["mean", "sum", "none"]


def gradcheck_references():
    z = rows(GC_Z, f64)
    y = [int(v) for v in GC_Y]
    p = rows(GC_P, f64)
    w = [f64(v) for v in GC_W]
    v = [f64(x) for x in GC_V]
    refs = []
    for _, index, weighted, eps in GC_FORMS:
        for reduction in GC_REDUCTIONS:
            refs.append(grad_rows(z, y if index else p, weight=w if weighted else None,
                                  eps=eps, reduction=reduction, upstream=v))
    return refs


def reduction_inputs():
    """The same NumPy draws as snippets/cross_entropy_gradient/reduction.py."""
    rng = np.random.default_rng(7)
    d, c, n_max = 5, 3, 256
    x = (2.0 * rng.random((n_max, d)) - 1.0).astype(np.float32)
    teacher = 2.0 * rng.random((c, d)) - 1.0
    y = (x.astype(np.float64) @ teacher.T).argmax(axis=1)
    return x, y


RED_X, RED_Y = reduction_inputs()
BATCH_SIZES = [4, 32, 256]


def weight_gradient_norm(n: int, reduction: str) -> mpmath.mpf:
    """|dL/dW|_F for logits = X W^T at W = 0 (so q = 1/C), on the first n samples."""
    x = rows(RED_X[:n], f64)  # float32 values, exact in float64
    c = 3
    d = len(x[0])
    g = [[mpmath.mpf(1) / c - (1 if k == int(RED_Y[i]) else 0) for k in range(c)] for i in range(n)]
    scale = mpmath.mpf(n) if reduction == "mean" else mpmath.mpf(1)
    total = mpmath.mpf(0)
    for k in range(c):
        for j in range(d):
            entry = mpmath.fsum(g[i][k] * x[i][j] for i in range(n)) / scale
            total += entry * entry
    return mpmath.sqrt(total)


# ---------------------------------------------------------------- shared pieces

_BATCH = lambda: rows(BATCH_LOGITS)
_W = lambda: [f32(v) for v in CLASS_WEIGHT]
_SOFT = lambda: rows(SOFT_TARGETS)
_EPS = mpmath.mpf(LABEL_SMOOTHING)  # the double 0.1, as passed to PyTorch


def _figure_logits():
    return [[f32(FIGURE_OTHERS[0]), f32(t), f32(FIGURE_OTHERS[1])] for t in FIGURE_T]


def _figure_grad(k):
    g = grad_rows(_figure_logits(), [FIGURE_TARGET] * len(FIGURE_T), reduction="sum")
    return [row[k] for row in g]


def _softmax_jacobian():
    """J[j][k] = d q_j / d z_k = q_j ([j = k] - q_k)."""
    q = softmax([f64(v) for v in WORKED_LOGITS])
    return [[qj * ((1 if j == k else 0) - qk) for k, qk in enumerate(q)] for j, qj in enumerate(q)]


def _log_softmax_jacobian():
    """J[j][k] = d log q_j / d z_k = [j = k] - q_k."""
    q = softmax([f64(v) for v in WORKED_LOGITS])
    return [[(1 if j == k else 0) - qk for k, qk in enumerate(q)] for j in range(len(q))]


def _spacing_between(d: int, log2_spacing: int) -> bool:
    """Whether e^-d < 2^log2_spacing < e^-(d - 1), at 200 bits."""
    return mpmath.exp(-d) < mpmath.mpf(2) ** log2_spacing < mpmath.exp(-(d - 1))


def _saturation():
    logits = [[mpmath.mpf(0), f32(m), mpmath.mpf(0)] for m in MARGINS]
    return logits


# ---------------------------------------------------------------- the checks

CHECKS = {
    "first_look.py": {
        "logits": Input(WORKED_LOGITS, dtype="float32"),
        "target": Exact(WORKED_TARGET, why="the target class stated in the text"),
        # log_softmax (max, subtract, exp, sum, log, subtract) then a pick: ~6 rounded ops.
        "loss": Near(lambda: -log_softmax([f32(v) for v in WORKED_LOGITS])[WORKED_TARGET],
                     dtype="float32", ulp=4),
        # q - e_y: forward chain, exp in the backward, one subtraction; q_1 - 1 = -0.37
        # loses one bit to cancellation (q_1 = 0.63 has twice its ulp).
        "grad": Near(lambda: grad_rows([[f32(v) for v in WORKED_LOGITS]], [WORKED_TARGET],
                                       reduction="sum")[0], dtype="float32", ulp=8),
        "softmax": Near(lambda: softmax([f32(v) for v in WORKED_LOGITS]), dtype="float32", ulp=4),
        "formula": Near(lambda: grad_rows([[f32(v) for v in WORKED_LOGITS]], [WORKED_TARGET],
                                          reduction="sum")[0], dtype="float32", ulp=8),
        "max_difference": Bounded(0.0, 2.0 ** -22, why="two float32 roundings of the same "
                                  "numbers in (-1, 1), exp(log_softmax) against softmax: a few "
                                  "ulps of 2**-25..2**-24, not reproducible without PyTorch's exp"),
    },
    "jacobian.py": {
        "logits": Input(WORKED_LOGITS, dtype="float64"),
        "softmax": Near(lambda: softmax([f64(v) for v in WORKED_LOGITS]), dtype="float64", ulp=4),
        # diag(q) - q q^T: softmax (~5 ops) then the softmax backward q_j (g_j - sum_k g_k q_k);
        # the off-diagonal entries are small (-0.03) against terms near 0.2: 16 ulp.
        "jacobian": Near(_softmax_jacobian, dtype="float64", ulp=16),
        "jacobian_matches_formula": Exact(True, why="d q_j / d z_k = q_j ([j = k] - q_k), the "
                                          "derivative of e^{z_j} / sum_k e^{z_k}"),
        "jacobian_symmetric": Exact(True, why="q_j [j = k] - q_j q_k is symmetric in j and k"),
        "row_sum_tolerance": Input(1e-15, dtype="float64"),
        "jacobian_rows_sum_to_zero": Exact(True, why="sum_k q_j([j = k] - q_k) = q_j - q_j "
                                           "sum_k q_k = 0; float64 rounding stays below 1e-15"),
        # [j = k] - q_k: the diagonal 1 - q_k loses up to two bits to cancellation: 8 ulp.
        "log_jacobian": Near(_log_softmax_jacobian, dtype="float64", ulp=8),
        "log_jacobian_matches_formula": Exact(True, why="d log q_j / d z_k = [j = k] - q_k"),
        "upstream": Input([0.0, -1.0, 0.0], dtype="float64"),
        "vjp": Near(lambda: grad_rows([[f64(v) for v in WORKED_LOGITS]], [WORKED_TARGET],
                                      reduction="sum")[0], dtype="float64", ulp=8),
    },
    "index_targets.py": {
        "logits": Input(BATCH_LOGITS, dtype="float32"),
        "targets": Exact(BATCH_TARGETS, why="the targets stated in the text"),
        "batch_size": Exact(2, why="two rows of logits"),
        "softmax": Near(lambda: [softmax(z) for z in _BATCH()], dtype="float32", ulp=4),
        # Same chain as first_look's grad; the entry -0.27 = q - 1 with q = 0.73: 8 ulp.
        "grad_sum": Near(lambda: grad_rows(_BATCH(), BATCH_TARGETS, reduction="sum"),
                         dtype="float32", ulp=8),
        "grad_mean": Near(lambda: grad_rows(_BATCH(), BATCH_TARGETS, reduction="mean"),
                          dtype="float32", ulp=8),
        "mean_is_sum_over_n": Exact(True, why="the 'mean' kernel scales by 1/N = 1/2, a power "
                                    "of two, which is exact in float32"),
        "none_is_sum": Exact(True, why="summing the 'none' losses hands each row the upstream "
                             "gradient 1, so the same kernels see the same -1 per row as 'sum'"),
        "max_abs_diff_sum_formula": Bounded(0.0, 2.0 ** -22, why="float32 rounding of two "
                                            "computations of q - Y, entries in (-1, 1)"),
    },
    "prob_targets.py": {
        "logits": Input(BATCH_LOGITS, dtype="float32"),
        "soft_targets": Input(SOFT_TARGETS, dtype="float32"),
        "raw_targets": Input(RAW_TARGETS, dtype="float32"),
        "raw_row_sums": Near(lambda: [mpmath.fsum(r) for r in rows(RAW_TARGETS)],
                             dtype="float32", ulp=0),
        "softmax": Near(lambda: [softmax(z) for z in _BATCH()], dtype="float32", ulp=4),
        # log_softmax, then -(input * target) summed, divided by N, and its backward
        # (a product, exp, a sum and a subtraction): the smallest entry, 0.014, is a
        # difference of terms near 0.1 (q - p with q = 0.12, p = 0.1): 32 ulp.
        "grad_soft": Near(lambda: grad_rows(_BATCH(), _SOFT(), reduction="mean"),
                          dtype="float32", ulp=32),
        "grad_raw": Near(lambda: grad_rows(_BATCH(), rows(RAW_TARGETS), reduction="mean"),
                         dtype="float32", ulp=32),
        "max_abs_diff_soft": Bounded(0.0, 2.0 ** -22, why="float32 rounding, entries below 1"),
        "max_abs_diff_raw": Bounded(0.0, 2.0 ** -21, why="float32 rounding, entries below 2"),
    },
    "weights.py": {
        "logits": Input(BATCH_LOGITS, dtype="float32"),
        "targets": Exact(BATCH_TARGETS, why="the targets stated in the text"),
        "soft_targets": Input(SOFT_TARGETS, dtype="float32"),
        "weight": Input(CLASS_WEIGHT, dtype="float32"),
        "batch_size": Exact(2, why="two rows of logits"),
        "total_weight": Exact(2.5, why="w[1] + w[2] = 2.0 + 0.5, exact in float32"),
        # The index path: q - e_y times w_y / W, two more roundings: 8 ulp.
        "grad_index": Near(lambda: grad_rows(_BATCH(), BATCH_TARGETS, weight=_W(), reduction="mean"),
                           dtype="float32", ulp=8),
        # The probability path: s q - u is a difference of terms near 0.1-0.3; the
        # smallest entry (0.05) sits under terms four times its size: 32 ulp.
        "grad_prob": Near(lambda: grad_rows(_BATCH(), _SOFT(), weight=_W(), reduction="mean"),
                          dtype="float32", ulp=32),
        "max_abs_diff_index": Bounded(0.0, 2.0 ** -22, why="float32 rounding, entries below 1"),
        "max_abs_diff_prob": Bounded(0.0, 2.0 ** -22, why="float32 rounding, entries below 1"),
        "loss_index": Near(lambda: mean_loss(_BATCH(), BATCH_TARGETS, weight=_W()),
                           dtype="float32", ulp=4),
        "loss_one_hot": Near(lambda: mean_loss(_BATCH(), [one_hot(y, 3) for y in BATCH_TARGETS],
                                               weight=_W()), dtype="float32", ulp=4),
        # loss_index / loss_one_hot = N / W = 0.8: one more division of two 4-ulp results.
        "loss_ratio": Near(lambda: mpmath.mpf(2) / mpmath.mpf("2.5"), dtype="float32", ulp=8),
        "grads_same_ratio": Exact(True, why="per-sample terms are the same; only the divisor "
                                  "of 'mean' differs (W for indices, N for probabilities)"),
    },
    "label_smoothing.py": {
        "logits": Input(BATCH_LOGITS, dtype="float32"),
        "targets": Exact(BATCH_TARGETS, why="the targets stated in the text"),
        "weight": Input(CLASS_WEIGHT, dtype="float32"),
        "label_smoothing": Exact(LABEL_SMOOTHING, why="the epsilon stated in the text"),
        # (1 - eps) * onehot + eps / C in float32: three roundings of numbers below 1.
        "smoothed": Near(lambda: [[(1 - _EPS) * t + _EPS / 3 for t in one_hot(y, 3)]
                                  for y in BATCH_TARGETS], dtype="float32", ulp=2),
        # The loss is (1 - eps) NLL + (eps/C) sum(-log q); autograd sums two backward
        # branches; entries as small as 0.01 under terms near 0.3: 64 ulp.
        "grad_plain": Near(lambda: grad_rows(_BATCH(), BATCH_TARGETS, eps=_EPS, reduction="mean"),
                           dtype="float32", ulp=64),
        "grad_weighted": Near(lambda: grad_rows(_BATCH(), BATCH_TARGETS, weight=_W(), eps=_EPS,
                                                reduction="mean"), dtype="float32", ulp=64),
        "max_abs_diff_plain": Bounded(0.0, 2.0 ** -22, why="float32 rounding, entries below 1"),
        "max_abs_diff_weighted": Bounded(0.0, 2.0 ** -22, why="float32 rounding, entries below 1"),
        "loss_index_none": Near(lambda: per_sample_loss(_BATCH(), BATCH_TARGETS, weight=_W(), eps=_EPS),
                                dtype="float32", ulp=8),
        "loss_probs_none": Near(lambda: per_sample_loss(_BATCH(), BATCH_TARGETS, weight=_W(), eps=_EPS),
                                dtype="float32", ulp=8),
        "loss_index_mean": Near(lambda: mean_loss(_BATCH(), BATCH_TARGETS, weight=_W(), eps=_EPS),
                                dtype="float32", ulp=8),
        # Same per-sample losses, divided by N = 2 instead of W = 2.5.
        "loss_probs_mean": Near(lambda: mpmath.fsum(per_sample_loss(_BATCH(), BATCH_TARGETS,
                                                                    weight=_W(), eps=_EPS)) / 2,
                                dtype="float32", ulp=8),
    },
    "gradcheck.py": {
        "logits": Input(GC_Z.tolist(), dtype="float64"),
        "index_targets": Exact([int(v) for v in GC_Y], why="NumPy's integers(0, 5, 4) from "
                               "default_rng(2026), after the logits"),
        "prob_targets": Input(GC_P.tolist(), dtype="float64"),
        "weight": Input(GC_W.tolist(), dtype="float64"),
        "upstream": Input(GC_V.tolist(), dtype="float64"),
        "label_smoothing": Exact(LABEL_SMOOTHING, why="the epsilon stated in the text"),
        "tolerance": Exact(1e-15, why="the snippet's stated tolerance"),
        "tolerance_log10": Exact(-15, why="the tolerance 1e-15 that the text states, as a power of ten"),
        "n_cases": Exact(18, why="6 target forms x 3 reductions"),
        "max_error": Bounded(0.0, 1e-15, why="float64 rounding of two evaluations of the same "
                             "formula, entries below 2 in magnitude"),
        "all_within_tolerance": Exact(True, why="autograd differentiates the same formula; only "
                                      "float64 rounding separates the two"),
        "all_gradcheck": Exact(True, why="the analytical backward of each path equals finite "
                               "differences of its forward in float64"),
        "case_names": Exact([f"{name} / {r}" for name, *_ in GC_FORMS for r in GC_REDUCTIONS],
                            why="the snippet's loop order"),
        # float64 through the same kernels as the float32 cases above: most entries are
        # within 25 ulp. One entry (index, weight, smoothing) is about 1.8e-6, the sum of
        # autograd's two backward branches (the NLL term and the uniform term, each near
        # 0.03) that almost cancel; its absolute error is that of the branches, about
        # 2^-58, which is some 10^4 ulp at 1.8e-6. 2^14 ulp covers it, and is still a
        # relative error below 4e-12 at every entry, far below any mistake in a formula.
        "autograd_grads": Near(gradcheck_references, dtype="float64", ulp=2 ** 14),
    },
    "sum_to_zero.py": {
        "gap_logits": Input(GAP_LOGITS, dtype="float32"),
        "target": Exact([GAP_TARGET], why="the target stated in the text"),
        # Modelled rounding: 1 + e^-20 rounds to 1, so log_softmax is exactly (0, -20).
        "log_probs32": Near(lambda: kernel_two_class(20.0, np.float32)[0], dtype="float32", ulp=0),
        # Entry 0 is exactly 0 in the model; entry 1 is exp(-20), which PyTorch's
        # vectorised exp gives to within 1 ulp of the correctly rounded value the model uses.
        "grad32": Near(lambda: kernel_two_class(20.0, np.float32)[1], dtype="float32", ulp=1),
        "sum32": Near(lambda: mpmath.fsum(kernel_two_class(20.0, np.float32)[1]),
                      dtype="float32", ulp=1),
        "target_grad_is_zero32": Exact(True, why="1 + e^-20 rounds to 1 in float32 (e^-20 < "
                                       "2^-24), so q_0 = exp(0 - log 1) = 1 and q_0 - 1 = 0"),
        # float64: 1 + e^-20 is representable to 2^-52, so nothing rounds to 0; the model
        # rounds each step to float64 as the kernel does (cancellation in q_0 - 1 makes
        # exact math useless here), and exp/log near 1 agree with correct rounding.
        "log_probs64": Near(lambda: kernel_two_class(20.0, np.float64)[0], dtype="float64", ulp=1),
        "grad64": Near(lambda: kernel_two_class(20.0, np.float64)[1], dtype="float64", ulp=1),
        "first_zero_gap32": Exact(first_zero_gap(np.float32),
                                  why="e^-16 > 2^-24 > e^-17: from d = 17 on, 1 + e^-d rounds to 1 "
                                      "in float32 (computed here by the rounding model)"),
        "first_zero_gap64": Exact(first_zero_gap(np.float64),
                                  why="e^-36 > 2^-53 > e^-37: from d = 37 on, 1 + e^-d rounds to 1 "
                                      "in float64 (computed here by the rounding model)"),
        "last_nonzero_gap32": Exact(first_zero_gap(np.float32) - 1,
                                    why="the gap just before the first zero: e^-16 > 2^-24, so "
                                        "1 + e^-16 does not round to 1 in float32"),
        "last_nonzero_gap64": Exact(first_zero_gap(np.float64) - 1,
                                    why="the gap just before the first zero: e^-36 > 2^-53, so "
                                        "1 + e^-36 does not round to 1 in float64"),
        # The float-format constants the text quotes, as powers of two (IEEE 754).
        "below_one32_log2": Exact(-24, why="IEEE 754 binary32: p = 24, so the floats in "
                                  "[1/2, 1) are 2^-24 apart (eps / 2)"),
        "above_one32_log2": Exact(-23, why="IEEE 754 binary32: p = 24, so the floats in "
                                  "[1, 2) are 2^(1 - 24) apart (eps)"),
        "smallest_normal32_log2": Exact(-126, why="IEEE 754 binary32: emin = -126"),
        "below_one64_log2": Exact(-53, why="IEEE 754 binary64: p = 53, so the floats in "
                                  "[1/2, 1) are 2^-53 apart (eps / 2)"),
        "above_one64_log2": Exact(-52, why="IEEE 754 binary64: p = 53, so the floats in "
                                  "[1, 2) are 2^(1 - 53) apart (eps)"),
        "threshold_between32": Exact(_spacing_between(first_zero_gap(np.float32), -24),
                                     why="e^-17 < 2^-24 < e^-16, by 200-bit mpmath"),
        "threshold_between64": Exact(_spacing_between(first_zero_gap(np.float64), -53),
                                     why="e^-37 < 2^-53 < e^-36, by 200-bit mpmath"),
    },
    "backward_by_hand.py": {
        "logits": Input(BATCH_LOGITS, dtype="float32"),
        "targets": Exact(BATCH_TARGETS, why="the targets stated in the text"),
        "total_weight": Exact(2.0, why="no class weights: the number of non-ignored targets"),
        "nll_backward": Near(lambda: [[-mpmath.mpf(1) / 2 if k == y else mpmath.mpf(0)
                                       for k in range(3)] for y in BATCH_TARGETS],
                             dtype="float32", ulp=0),
        "kernel_grad": Near(lambda: grad_rows(_BATCH(), BATCH_TARGETS, reduction="mean"),
                            dtype="float32", ulp=8),
        "kernels_equal_autograd": Exact(True, why="derivatives.yaml: autograd calls exactly "
                                        "nll_loss_backward and _log_softmax_backward_data"),
        "big_batch_size": Exact(64, why="the batch size the text states"),
        "big_classes": Exact(10, why="the number of classes the text states"),
        "n_entries": Exact(640, why="a 64 x 10 batch"),
        "n_differ_same_formula": Bounded(1, 640, why="entries where torch.exp and the kernel's "
                                         "vectorised exp round differently; which ones depends "
                                         "on the exp implementation, not reproducible here"),
        "max_ulp_same_formula": Bounded(1, 16, why="one ulp of exp(log q) near 1, amplified by "
                                        "the cancellation in q_y - 1"),
        "max_ulp_same_formula_target": Bounded(1, 16, why="one ulp of q_y, amplified by the "
                                               "cancellation in q_y - 1 (q_y up to 1)"),
        "max_ulp_same_formula_other": Bounded(1, 1, why="two exp implementations, each within "
                                              "1 ulp of exp, whose results differ by one ulp "
                                              "where they round differently"),
        "n_differ_softmax": Bounded(1, 640, why="softmax divides by the sum; the gradient uses "
                                    "exp(log_softmax): different roundings of the same q"),
        "max_ulp_softmax": Bounded(1, 64, why="a few ulps of q, amplified by q_y - 1"),
        "max_ulp_softmax_target": Bounded(0, 16, why="one ulp of q_y, amplified by q_y - 1"),
        "max_ulp_softmax_other": Bounded(2, 64, why="exp(log q) carries log q's absolute "
                                         "rounding error (half an ulp of |log q|, up to about "
                                         "2^-21 for |log q| < 32) as a relative error of q"),
    },
    "bound.py": {
        "margins": Input(MARGINS, dtype="float32"),
        "losses": Near(lambda: [-log_softmax(z)[0] for z in _saturation()], dtype="float32", ulp=4),
        # Entries are q - e_0; for m >= 100 they round to (-1, 1, 0) in the model and the
        # kernel alike (q_0 underflows or is below 2^-24 next to 1). Small entries such as
        # e^-10-ish at m = 10 get the forward's absolute error (2^-24 * m) as relative error.
        "grads": Near(lambda: grad_rows(_saturation(), [0] * len(MARGINS), reduction="sum"),
                      dtype="float32", ulp=64),
        "worked_logits": Input(WORKED_LOGITS, dtype="float32"),
        "worked_target": Exact(WORKED_TARGET, why="the target stated in the text"),
        "one_minus_q_y": Near(lambda: 1 - softmax([f32(v) for v in WORKED_LOGITS])[WORKED_TARGET],
                              dtype="float32", ulp=8),
        "l1_norm": Near(lambda: 2 * (1 - softmax([f32(v) for v in WORKED_LOGITS])[WORKED_TARGET]),
                        dtype="float32", ulp=8),
        "max_abs": Near(lambda: 1 - softmax([f32(v) for v in WORKED_LOGITS])[WORKED_TARGET],
                        dtype="float32", ulp=8),
    },
    "figure.py": {
        "target": Exact(FIGURE_TARGET, why="the target stated in the text"),
        "other_logits": Input(list(FIGURE_OTHERS), dtype="float32"),
        "t": Input(FIGURE_T, dtype="float32"),
        # Non-target entries are q_k: exp of log_softmax, whose absolute error (half an
        # ulp of |log q_k| <= 10, about 2^-21) becomes relative error of q_k: 16 ulp.
        "grad_0": Near(lambda: _figure_grad(0), dtype="float32", ulp=16),
        "grad_2": Near(lambda: _figure_grad(2), dtype="float32", ulp=16),
        # The target entry q_1 - 1: near t = 8 it is -0.0012, a difference with terms near 1
        # whose float32 spacing is 2^-24; 2^-24 / ulp(0.0012) = 2^9, so 1024 ulp here.
        "grad_1": Near(lambda: _figure_grad(1), dtype="float32", ulp=1024),
        "t_half": Near(lambda: logsumexp([f32(v) for v in FIGURE_OTHERS]), dtype="float32", ulp=4),
    },
    "reduction.py": {
        "features": Exact(5, why="the snippet's D"),
        "classes": Exact(3, why="the snippet's C"),
        "batch_sizes": Exact(BATCH_SIZES, why="the batch sizes stated in the text"),
        # Each entry of dL/dW sums N float32 products (N <= 256) in float32 matmul
        # blocks; the norm adds 15 squares. Worst case about N/16 ulp with blocking;
        # 64 ulp covers N = 256 and is still a relative error below 8e-6.
        "norm_mean": Near(lambda: [weight_gradient_norm(n, "mean") for n in BATCH_SIZES],
                          dtype="float32", ulp=64),
        "norm_sum": Near(lambda: [weight_gradient_norm(n, "sum") for n in BATCH_SIZES],
                         dtype="float32", ulp=64),
        # At W = 0 every q is 1/3, so the largest |dL/dz| is (1 - 1/3) / N.
        "max_logit_grad_mean": Near(lambda: [(1 - mpmath.mpf(1) / 3) / n for n in BATCH_SIZES],
                                    dtype="float32", ulp=4),
        "sum_is_n_times_mean": Exact(True, why="N = 4, 32, 256 are powers of two: the 'mean' "
                                     "kernels scale every term by 1/N exactly"),
        "adam_same": Exact(True, why="Adam's step m/(sqrt(v) + eps) is unchanged when every "
                           "gradient is multiplied by N, except through eps = 1e-8, far below "
                           "the gradients here"),
    },
    "mistakes.py": {
        "none_backward_rejected": Exact(True, why="backward() without an argument needs a "
                                        "scalar; reduction='none' returns shape (N,)"),
        "missing_n_matches": Exact(False, why="q - Y is N = 2 times the 'mean' gradient"),
        "divided_by_n_matches": Exact(True, why="(q - Y) / N is the 'mean' gradient"),
        "all_errors_raised": Exact(True, why="label_smoothing > 1, ignore_index with "
                                   "probabilities and a weight of the wrong length are all "
                                   "refused by cross_entropy_loss_symint and nll_loss"),
    },
}


# ---------------------------------------------------------------- self-check


def _ulp(ref: mpmath.mpf, dtype) -> mpmath.mpf:
    return ulp(ref, "float32" if dtype is np.float32 else "float64")


def _within(value: float, ref: mpmath.mpf, ulps: float, dtype) -> bool:
    return abs(mpmath.mpf(value) - ref) <= ulps * _ulp(ref, dtype)


def _self_check():
    """The references can fail: a value 1e-4 relative off fails its budget, the
    correctly rounded reference passes, and the rounding model is what makes
    the float32 artefacts come out right."""
    ref_loss = -log_softmax([f32(v) for v in WORKED_LOGITS])[WORKED_TARGET]
    good = float(np.float32(float(ref_loss)))
    assert _within(good, ref_loss, 4, np.float32)
    assert not _within(good * (1 + 1e-4), ref_loss, 4, np.float32)

    # The loosest budget in this file (1024 ulp, the figure's target entries) still
    # rejects a 1e-4 relative error at its largest entry.
    g1 = _figure_grad(1)
    worst = min(g1)  # about -1.0
    assert not _within(float(worst) * (1 + 1e-4), worst, 1024, np.float32)

    # Exact math says the target gradient of (20, 0) is -e^-20 / (1 + e^-20), not 0;
    # only the rounding model gives the 0 that float32 stores.
    exact = grad_rows(rows(GAP_LOGITS), [GAP_TARGET], reduction="mean")[0][0]
    assert not _within(0.0, exact, 1, np.float32)
    assert kernel_two_class(20.0, np.float32)[1][0] == 0
    assert first_zero_gap(np.float32) == 17 and first_zero_gap(np.float64) == 37

    # A wrong normaliser for weighted 'mean' (N instead of W) is caught.
    right = grad_rows(_BATCH(), BATCH_TARGETS, weight=_W(), reduction="mean")[0][1]
    wrong = right * mpmath.mpf("2.5") / 2
    assert not _within(float(wrong), right, 8, np.float32)
    return True
