"""Reference values for the cross-entropy article, computed without PyTorch.

Everything here is written straight from the formulas in the article and
evaluated with mpmath at 200 bits of precision, so the reference carries
about 60 correct decimal digits: far more than the 7 or so of float32. The
only PyTorch-specific thing the references share with the snippets is the
input: each number is first rounded to float32 (`f32`), exactly as the
snippet's `torch.tensor([...])` does, so that the reference answers the same
question the snippet answered, not a neighbouring one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import mpmath
import numpy as np

from verified_snippets.reference_checks import ulp

mpmath.mp.prec = 200


# ---------------------------------------------------------------- inputs


def f32(x: float) -> mpmath.mpf:
    """The exact value of the float32 nearest to x, as a 200-bit mpf.

    `np.float32(0.1)` is 0.100000001490116119384765625; converting that
    binary value (not the decimal 0.1) is what makes the reference exact.
    """
    return mpmath.mpf(float(np.float32(x)))


def f32_vector(xs: Sequence[float]) -> list[mpmath.mpf]:
    return [f32(x) for x in xs]


def f32_matrix(rows: Sequence[Sequence[float]]) -> list[list[mpmath.mpf]]:
    return [f32_vector(row) for row in rows]


# ---------------------------------------------------------------- formulas


def logsumexp(z: Sequence[mpmath.mpf]) -> mpmath.mpf:
    """log sum_k exp(z_k). At 200 bits exp(-1000) is still representable
    (mpmath's exponent range is unbounded), so no max-shift is needed here."""
    return mpmath.log(mpmath.fsum(mpmath.exp(zk) for zk in z))


def softmax(z: Sequence[mpmath.mpf]) -> list[mpmath.mpf]:
    """softmax(z)_j = exp(z_j) / sum_k exp(z_k)."""
    denominator = mpmath.fsum(mpmath.exp(zk) for zk in z)
    return [mpmath.exp(zj) / denominator for zj in z]


def log_softmax(z: Sequence[mpmath.mpf]) -> list[mpmath.mpf]:
    """log softmax(z)_j = z_j - log sum_k exp(z_k)."""
    lse = logsumexp(z)
    return [zj - lse for zj in z]


def nll(log_probs: Sequence[mpmath.mpf], target: int) -> mpmath.mpf:
    """Negative log-likelihood of one sample: -log p_y."""
    return -log_probs[target]


def cross_entropy(z: Sequence[mpmath.mpf], target: int) -> mpmath.mpf:
    """Cross-entropy of one sample with a class-index target: -log softmax(z)_y."""
    return nll(log_softmax(z), target)


def cross_entropy_per_sample(
    logits: Sequence[Sequence[mpmath.mpf]], targets: Sequence[int]
) -> list[mpmath.mpf]:
    """reduction='none': one loss per row."""
    return [cross_entropy(z, y) for z, y in zip(logits, targets, strict=True)]


def cross_entropy_batch(
    logits: Sequence[Sequence[mpmath.mpf]],
    targets: Sequence[int],
    reduction: str = "mean",
) -> mpmath.mpf | list[mpmath.mpf]:
    """Cross-entropy over a batch with reduction 'mean', 'sum' or 'none'."""
    losses = cross_entropy_per_sample(logits, targets)
    if reduction == "none":
        return losses
    total = mpmath.fsum(losses)
    if reduction == "sum":
        return total
    if reduction == "mean":
        return total / len(losses)
    raise ValueError(f"unknown reduction {reduction!r}")


def cross_entropy_between(
    p: Sequence[mpmath.mpf], q: Sequence[mpmath.mpf]
) -> mpmath.mpf:
    """H(p, q) = -sum_j p_j log q_j for two distributions (terms with p_j = 0
    contribute nothing, the usual 0 log 0 = 0 convention)."""
    return -mpmath.fsum(pj * mpmath.log(qj) for pj, qj in zip(p, q, strict=True) if pj != 0)


def cross_entropy_soft_targets(
    logits: Sequence[Sequence[mpmath.mpf]], soft: Sequence[Sequence[mpmath.mpf]]
) -> mpmath.mpf:
    """Mean over rows of -sum_j p_ij log softmax(z_i)_j."""
    losses = [cross_entropy_between(p, softmax(z)) for z, p in zip(logits, soft, strict=True)]
    return mpmath.fsum(losses) / len(losses)


def cross_entropy_label_smoothing(
    logits: Sequence[Sequence[mpmath.mpf]], targets: Sequence[int], eps: mpmath.mpf
) -> mpmath.mpf:
    """Mean over rows of (1 - eps)(-log q_y) + (eps / C) sum_j (-log q_j)."""
    losses = []
    for z, y in zip(logits, targets, strict=True):
        lp = log_softmax(z)
        uniform_part = -mpmath.fsum(lp) / len(lp)
        losses.append((1 - eps) * (-lp[y]) + eps * uniform_part)
    return mpmath.fsum(losses) / len(losses)


def cross_entropy_grad(
    logits: Sequence[Sequence[mpmath.mpf]], targets: Sequence[int]
) -> list[list[mpmath.mpf]]:
    """d(mean cross-entropy)/d(logits) = (softmax(z_i) - one_hot(y_i)) / N."""
    n = len(logits)
    grad = []
    for z, y in zip(logits, targets, strict=True):
        q = softmax(z)
        grad.append([(qj - (1 if j == y else 0)) / n for j, qj in enumerate(q)])
    return grad


def softmax_vjp(z: Sequence[mpmath.mpf], g: Sequence[mpmath.mpf]) -> list[mpmath.mpf]:
    """Vector-Jacobian product of softmax: s_j (g_j - sum_k g_k s_k), s = softmax(z)."""
    s = softmax(z)
    dot = mpmath.fsum(gk * sk for gk, sk in zip(g, s, strict=True))
    return [sj * (gj - dot) for sj, gj in zip(s, g, strict=True)]


def cross_entropy_of_softmax(
    logits: Sequence[Sequence[mpmath.mpf]], targets: Sequence[int]
) -> tuple[mpmath.mpf, list[list[mpmath.mpf]]]:
    """The 'softmax before CrossEntropyLoss' mistake: mean cross-entropy of
    softmax(z) used as logits, and its gradient with respect to z."""
    probs = [softmax(z) for z in logits]
    loss = cross_entropy_batch(probs, targets, "mean")
    grad_wrt_probs = cross_entropy_grad(probs, targets)
    grad = [softmax_vjp(z, g) for z, g in zip(logits, grad_wrt_probs, strict=True)]
    return loss, grad


# ---------------------------------------------------------------- comparing


def ulp_f32(ref: mpmath.mpf) -> mpmath.mpf:
    """Size of one float32 unit in the last place at the (exact) reference value: the checks' own measure."""
    return ulp(ref, "float32")


def ulp_distance_f32(value: float, ref: mpmath.mpf) -> float:
    """|value - ref| measured in float32 ulps at the reference value."""
    if not math.isfinite(value):
        return math.inf
    return float(abs(mpmath.mpf(value) - ref) / ulp_f32(ref))


def within_ulps_f32(value: float, ref: mpmath.mpf, max_ulp: float) -> bool:
    """True when value is at most max_ulp float32 ulps away from ref."""
    return ulp_distance_f32(value, ref) <= max_ulp


def flatten(nested) -> list:
    """Flatten nested lists (of any depth) into one list, row-major."""
    if isinstance(nested, (list, tuple)):
        return [x for item in nested for x in flatten(item)]
    return [nested]


def central_difference(loss, z, i, j):
    """d loss / d z[i][j] by a central difference, with a step of 2**-60 (at 200 bits the step's error is negligible)."""
    h = mpmath.mpf(2) ** -60
    up = [row[:] for row in z]
    down = [row[:] for row in z]
    up[i][j] += h
    down[i][j] -= h
    return (loss(up) - loss(down)) / (2 * h)
