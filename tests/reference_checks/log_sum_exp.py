"""Independent checks of every value that docs/log-sum-exp.md binds (and of the figure's series).

Nothing here imports torch or reads a snippet's outputs. The inputs are stated
again from the article, rounded to their dtype exactly, and every reference is
recomputed from the formula in 200-bit mpmath (more where a result sits far
below the numbers it is computed from).

Two kinds of value need more than a formula:

* thresholds and float artefacts (a probability that rounds to 0, a sum that
  rounds to exactly 1, an overflowing reciprocal). These are recomputed by
  modelling IEEE round-to-nearest-even in the dtype, subnormals included, from
  the limits that numpy.finfo gives (`round_to`), and the smallest float for
  which the modelled event happens is found by bisection over bit patterns
  (`first_float`), then compared with ulp budget 0;
* statistics over random rows (largest error, rows equal to SciPy's): these
  depend on how two libraries round each step and are `Bounded`, with reasons.
"""
from __future__ import annotations

import mpmath
import numpy as np

from reference_checks import Bounded, Exact, Input, Near

mpmath.mp.prec = 200

F32, F64 = np.float32, np.float64
DTYPE_NAME = {F32: "float32", F64: "float64"}

# ------------------------------------------------------------------ the dtypes' limits


def limits(dtype):
    """Significand bits, smallest normal exponent and largest finite value, from numpy.finfo."""
    fi = np.finfo(dtype)
    return int(fi.nmant) + 1, int(fi.minexp), mpmath.mpf(float(fi.max))


def binade(x) -> int:
    """e with 2**e <= |x| < 2**(e + 1), exactly, for x != 0."""
    a = abs(mpmath.mpf(x))
    e = int(mpmath.floor(mpmath.log(a, 2)))
    while mpmath.ldexp(1, e) > a:
        e -= 1
    while mpmath.ldexp(1, e + 1) <= a:
        e += 1
    return e


def round_to(x, dtype):
    """x rounded to the nearest value of dtype, ties to even, with subnormals;
    +-inf past the largest finite value (after rounding)."""
    if mpmath.isinf(x) or x == 0:
        return mpmath.mpf(x)
    digits, min_exp, largest = limits(dtype)
    quantum = max(binade(x), min_exp) - (digits - 1)  # spacing exponent at x
    with mpmath.workprec(max(mpmath.mp.prec, 64 + abs(quantum))):
        scaled = abs(mpmath.mpf(x)) / mpmath.ldexp(1, quantum)
        whole = int(mpmath.floor(scaled))
        rest = scaled - whole
        if rest > 0.5 or (rest == 0.5 and whole % 2 == 1):
            whole += 1
    value = mpmath.ldexp(whole, quantum)
    if value > largest:
        value = mpmath.inf
    return value if x > 0 else -value


def ulp_at(x, dtype):
    """One unit in the last place of dtype at the exact value x."""
    digits, min_exp, _ = limits(dtype)
    if x == 0 or binade(x) < min_exp:
        return mpmath.ldexp(1, min_exp - (digits - 1))
    return mpmath.ldexp(1, binade(x) - (digits - 1))


def exact_binary(x, dtype):
    """The exact value of the dtype number nearest to the decimal x."""
    return mpmath.mpf(float(dtype(x)))


def first_float(event, dtype, lo=1.0, hi=2000.0):
    """The smallest value g of dtype in (lo, hi] with event(g) true (event false at lo, true at hi).

    Positive floats are ordered like their bit patterns, so this bisects over
    integers and returns an exact dtype value.
    """
    as_int = np.int32 if dtype is F32 else np.int64
    lo_bits = int(np.array(lo, dtype=dtype).view(as_int))
    hi_bits = int(np.array(hi, dtype=dtype).view(as_int))
    value = lambda bits: mpmath.mpf(float(np.array(bits, dtype=as_int).view(dtype)))
    assert not event(value(lo_bits)) and event(value(hi_bits))
    while hi_bits - lo_bits > 1:
        mid = (lo_bits + hi_bits) // 2
        if event(value(mid)):
            hi_bits = mid
        else:
            lo_bits = mid
    return value(hi_bits)


# ------------------------------------------------------------------ models of the two-class case
# Logits (0, g). After the max-shift, exp(0 - g) is the only rounded exponential
# (exp(g - g) = 1 exactly); the sum 1 + exp(-g) is rounded; softmax divides by it.


def model_exp(g, dtype):
    return round_to(mpmath.exp(-g), dtype)


def model_sum(g, dtype):
    return round_to(1 + model_exp(g, dtype), dtype)


def model_q0(g, dtype):
    """softmax((0, g))[0] = exp(-g) / (1 + exp(-g)), each step rounded."""
    return round_to(model_exp(g, dtype) / model_sum(g, dtype), dtype)


def model_naive_log_q0(g, dtype):
    q0 = model_q0(g, dtype)
    return round_to(mpmath.log(q0), dtype) if q0 > 0 else -mpmath.inf


def log1p_exp_neg(g):
    """log(1 + exp(-g)) with full relative precision even where it is far below 1."""
    return mpmath.log1p(mpmath.exp(-g))


def exact_log_q0(g):
    """log q_0 = -(g + log(1 + exp(-g))); at 2000 bits so that -g - 1e-324 keeps its tail."""
    with mpmath.workprec(2000):
        return -(mpmath.mpf(g) + log1p_exp_neg(g))


def error_in_ulps(value, g, dtype):
    """|value - log q_0| in ulps of dtype at log q_0, computed as |(value + g) + log1p(exp(-g))|."""
    with mpmath.workprec(2000):
        return abs((mpmath.mpf(value) + g) + log1p_exp_neg(g)) / ulp_at(exact_log_q0(g), dtype)


# ------------------------------------------------------------------ thresholds (thresholds.py)


def finfo(dtype):
    fi = np.finfo(dtype)
    return {
        "eps": mpmath.mpf(float(fi.eps)),
        "tiny": mpmath.mpf(float(fi.smallest_normal)),
        "max": mpmath.mpf(float(fi.max)),
        "subnormal": mpmath.mpf(float(fi.smallest_subnormal)),
    }


def derived(dtype):
    """The gaps that the dtype's limits predict, in exact arithmetic."""
    f = finfo(dtype)
    return {
        "one": mpmath.log(2 / f["eps"]),
        "sub": -mpmath.log(f["tiny"]),
        "grad": mpmath.log(f["max"]),
        "zero": -mpmath.log(f["subnormal"] / 2),
    }


def events(dtype):
    """What each threshold means, on the model of PyTorch's float steps."""
    return {
        # log_softmax(z)[1] = (g - g) - log(sum): exactly 0 when the rounded sum is 1
        "one": lambda g: model_sum(g, dtype) == 1,
        # torch.logsumexp((0, -g)) = log(sum) + 0 with the same rounded sum 1 + exp(-g)
        "lse0": lambda g: model_sum(g, dtype) == 1,
        # q_0 below the smallest normal number
        "sub": lambda g: model_q0(g, dtype) < finfo(dtype)["tiny"],
        # backward of -log(q)[0] divides -1 by q_0: infinite when q_0 = 0 or 1 / q_0 overflows
        "grad": lambda g: model_q0(g, dtype) == 0 or mpmath.isinf(round_to(1 / model_q0(g, dtype), dtype)),
        # q_0 rounds to 0
        "zero": lambda g: model_q0(g, dtype) == 0,
    }


def threshold_checks():
    checks = {}
    for dtype, suffix in ((F32, "f32"), (F64, "f64")):
        for key in ("one", "sub", "grad", "zero"):
            # math.log of a power of two or of finfo.max, and for "zero" a difference of
            # two logs: at most about 1.5 float64 ulp; budget 2.
            checks[f"ln_{key}_{suffix}"] = Near(lambda d=dtype, k=key: derived(d)[k], dtype="float64", ulp=2)
            # The exact threshold float of the modelled event: the run must find the very same float.
            checks[f"gap_{key}_{suffix}"] = Near(
                lambda d=dtype, k=key: first_float(events(d)[k], d), dtype=DTYPE_NAME[dtype], ulp=0)
        checks[f"gap_lse0_{suffix}"] = Near(
            lambda d=dtype: first_float(events(d)["lse0"], d), dtype=DTYPE_NAME[dtype], ulp=0)
    checks["significant_bits_f32"] = Exact(24, why="IEEE 754 binary32: p = 24 (23 stored bits and the implicit one)")
    checks["significant_bits_f64"] = Exact(53, why="IEEE 754 binary64: p = 53 (52 stored bits and the implicit one)")
    checks["log_q0_near"] = Input(90.0, dtype="float64")
    checks["ulp_near_log2_f32"] = Exact(-17, why="binary32 numbers in [64, 128) = [2**6, 2**7) are 2**(6 - 23) apart")
    checks["visible_bits_f32"] = Exact(17, why="a relative error of 2**-17 in q_0 is one ulp of log q_0 near -90")
    return checks


# ------------------------------------------------------------------ the sweep (sweep.py)

GRIDS = {F32: (64.0, 112.0, 0.25), F64: (680.0, 760.0, 0.5)}


def grid(dtype):
    start, stop, step = GRIDS[dtype]
    n = int((stop - start) / step) + 1
    return [start + step * k for k in range(n)]


def sweep_model(dtype):
    gaps = [exact_binary(g, dtype) for g in grid(dtype)]
    q0 = [model_q0(g, dtype) for g in gaps]
    naive = [model_naive_log_q0(g, dtype) for g in gaps]
    finite = [v for v in naive if not mpmath.isinf(v)]
    stable = [round_to(exact_log_q0(g), dtype) for g in gaps]
    digits, min_exp, _ = limits(dtype)
    smallest = mpmath.ldexp(1, min_exp - (digits - 1))

    def bits(q):
        if q >= mpmath.ldexp(1, min_exp):
            return digits
        return int(q / smallest).bit_length()

    naive_err = [error_in_ulps(v, g, dtype) for v, g in zip(finite, gaps)]
    return {
        "gaps": gaps,
        "q0_exact": [mpmath.exp(-g) / (1 + mpmath.exp(-g)) for g in gaps],
        "bits": [bits(q) for q in q0],
        "exact": [exact_log_q0(g) for g in gaps],
        "naive": finite,
        "stable": stable,
        "naive_err": naive_err,
        "stable_err": [error_in_ulps(v, g, dtype) for v, g in zip(stable, gaps)],
        "first_off": float(next(g for g, e in zip(gaps, naive_err) if e > 0.5)),
        "first_off_bits": next(bits(q) for q, e in zip(q0, naive_err) if e > 0.5),
        "n_neg_inf": len(gaps) - len(finite),
    }


_SWEEP = {}


def sweep(dtype):
    if dtype not in _SWEEP:
        _SWEEP[dtype] = sweep_model(dtype)
    return _SWEEP[dtype]


def sweep_checks():
    checks = {}
    for dtype, suffix in ((F32, "f32"), (F64, "f64")):
        name = DTYPE_NAME[dtype]
        checks[f"gaps_{suffix}"] = Input(grid(dtype), dtype=name)
        checks[f"step_{suffix}"] = Input(GRIDS[dtype][2], dtype="float64")
        # exp(-g) within 1 ulp (1 subnormal spacing once subnormal), divided by a sum of exactly 1.
        checks[f"q0_{suffix}"] = Near(lambda d=dtype: sweep(d)["q0_exact"], dtype=name, ulp=1)
        # Significant bits of the rounded q_0: all of them while normal, then the bit length of q_0 / 2**-149 (2**-1074).
        checks[f"bits_{suffix}"] = Exact(sweep(dtype)["bits"], why="bits of the nearest float to exp(-g), from finfo's nmant and minexp")
        # A float64 conversion of the 50-digit exact value: correctly rounded; budget 1.
        checks[f"exact_{suffix}"] = Near(lambda d=dtype: sweep(d)["exact"], dtype="float64", ulp=1)
        # log of the rounded q_0, rounded: the model is round-to-nearest for both steps; the
        # snippet's values are PyTorch's, whose exp and log are within 1 ulp. Budget 1.
        checks[f"naive_{suffix}"] = Near(lambda d=dtype: sweep(d)["naive"], dtype=name, ulp=1)
        # (0 - g) - log(1) = -g, the nearest float to log q_0 = -g - log1p(exp(-g)): budget 0.
        checks[f"stable_{suffix}"] = Near(lambda d=dtype: sweep(d)["stable"], dtype=name, ulp=0)
        # The errors are exact functions of the values above and the formula; the snippet
        # computes them with fractions and converts once to float64: budget 2 float64 ulp.
        checks[f"naive_err_{suffix}"] = Near(lambda d=dtype: sweep(d)["naive_err"], dtype="float64", ulp=2)
        checks[f"stable_err_{suffix}"] = Near(lambda d=dtype: sweep(d)["stable_err"], dtype="float64", ulp=2)
        checks[f"stable_all_rounded_{suffix}"] = Exact(
            True, why="for g >= 64 the sum 1 + exp(-g) rounds to 1, so log_softmax returns -g exactly, "
                      "and |log q_0 + g| = log1p(exp(-g)) is far below half an ulp of g")
        checks[f"first_off_{suffix}"] = Exact(
            sweep(dtype)["first_off"], why="first grid gap where the modelled log(round(q_0)) is more than 0.5 ulp off")
        checks[f"first_off_bits_{suffix}"] = Exact(
            sweep(dtype)["first_off_bits"], why="significant bits of the rounded q_0 at that gap")
        checks[f"naive_err_max_{suffix}"] = Near(lambda d=dtype: max(sweep(d)["naive_err"]), dtype="float64", ulp=2)
        checks[f"n_neg_inf_{suffix}"] = Exact(
            sweep(dtype)["n_neg_inf"], why="grid gaps above -ln(smallest_subnormal / 2), where q_0 rounds to 0")
    return checks


# ------------------------------------------------------------------ the gradient (gradient.py)

GRADIENT_GAPS = [80.0, 95.0, 110.0]


def _g32(g):
    return exact_binary(g, F32)


def gradient_checks():
    q_exact = lambda g: mpmath.exp(-_g32(g)) / (1 + mpmath.exp(-_g32(g)))
    return {
        "gaps": Input(GRADIENT_GAPS, dtype="float32"),
        # exp(-g) within 1 ulp; the sum is exactly 1 (budget 1; 0 at 110 is 0.001 ulp from 1.7e-48).
        "q0": Near(lambda: [q_exact(g) for g in GRADIENT_GAPS], dtype="float32", ulp=1),
        # -log of the rounded q_0: at 95 the subnormal q_0 has 12 bits left and the loss is one ulp
        # off the exact 95; the model rounds q_0 and the log to nearest. Budget 1 for PyTorch's log.
        "naive_loss": Near(lambda: [-model_naive_log_q0(_g32(g), F32) for g in GRADIENT_GAPS[:2]], dtype="float32", ulp=1),
        "naive_loss_last_is_inf": Exact(True, why="exp(-110) < 2**-150, so q_0 rounds to 0 and -log 0 = inf"),
        "naive_grad_pattern": Exact(
            [["finite", "finite"], ["nan", "inf"], ["nan", "nan"]],
            why="80 < ln(max) = 88.72: -1/q_0 is finite; 88.72 < 95 < 103.97: -1/q_0 overflows to -inf, "
                "<grad, q> = -inf, grad_0 - <grad, q> = -inf + inf = nan, q_1 * inf = inf; "
                "110 > 103.97: q_0 = 0, -1/0 = -inf, -inf * 0 = nan everywhere"),
        # (q_0 - 1, q_1): each within half an ulp of -1 and 1 after one rounding; budget 1.
        "naive_grad_finite": Near(lambda: [q_exact(80.0) - 1, 1 - q_exact(80.0)], dtype="float32", ulp=1),
        # -log_softmax = g + log(1 + exp(-g)), rounded once after exact steps; budget 1.
        "stable_loss": Near(lambda: [_g32(g) + log1p_exp_neg(_g32(g)) for g in GRADIENT_GAPS], dtype="float32", ulp=1),
        # log_softmax backward: (q_0 - 1, q_1) with q = exp(log_softmax); budget 1.
        "stable_grad": Near(lambda: [[q_exact(g) - 1, 1 - q_exact(g)] for g in GRADIENT_GAPS], dtype="float32", ulp=1),
        "by_hand_same_pattern": Exact(True, why="the same IEEE steps: -1/q_0, the dot product, the subtraction, the product"),
        "middle_loss_finite": Exact(True, why="exp(-95) is about 5.5e-42, above 2**-150, so q_0 > 0 and log q_0 is finite"),
    }


# ------------------------------------------------------------------ LSE near 0 (precision.py)

PRECISION_GAPS = {F32: 20.0, F64: 40.0}


def lse_near_zero(dtype):
    """LSE(0, -gap) = log1p(exp(-gap))."""
    return log1p_exp_neg(exact_binary(PRECISION_GAPS[dtype], dtype))


def precision_checks():
    checks = {
        "gap_f32": Input(PRECISION_GAPS[F32], dtype="float32"),
        "gap_f64": Input(PRECISION_GAPS[F64], dtype="float64"),
        "torch_rel_err_f32": Exact(1.0, why="torch.logsumexp returns exactly 0 for a positive exact value: |0 - x| / x = 1"),
        "ce_loss": Exact(0.0, why="log_softmax of the target class is 0 - 0 - log(round(1 + exp(-20))) = -log 1 = 0"),
        # First entry: exp(0) * -1 + 1 is exactly 0 (the log-probability rounded to 0); second: exp(-20), one rounding.
        "ce_grad": Near(lambda: [mpmath.mpf(0), mpmath.exp(-exact_binary(20.0, F32))], dtype="float32", ulp=1),
    }
    for dtype, suffix in ((F32, "f32"), (F64, "f64")):
        name = DTYPE_NAME[dtype]
        checks[f"torch_logsumexp_{suffix}"] = Exact(
            0.0, why=f"exp(-gap) < eps/2 of {name}, so 1 + exp(-gap) rounds to 1, and log 1 + 0 = 0 "
                     "(_self_check confirms it on the rounding model)")
        # exp (1 ulp), a masked sum of one term, log1p (1 ulp), + 0: budget 2.
        checks[f"log1p_{suffix}"] = Near(lambda d=dtype: lse_near_zero(d), dtype=name, ulp=2)
        # SciPy: the same log1p form in NumPy: budget 2.
        checks[f"scipy_{suffix}"] = Near(lambda d=dtype: lse_near_zero(d), dtype=name, ulp=2)
        # A 50-digit decimal converted to float64: budget 1.
        checks[f"exact_{suffix}"] = Near(lambda d=dtype: lse_near_zero(d), dtype="float64", ulp=1)
    return checks


# ------------------------------------------------------------------ the max-shift (maxshift.py)

HIGH = [89.0, 88.0, 80.0]
LOW = [-104.0, -105.0, -110.0]


def lse(values):
    return mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in values))


def maxshift_checks():
    return {
        "high": Input(HIGH, dtype="float32"),
        "low": Input(LOW, dtype="float32"),
        "naive_high_is_inf": Exact(True, why="exp(89) is about 4.49e38, above float32's max of about 3.40e38"),
        "naive_low_is_neg_inf": Exact(True, why="exp(-104) and smaller are below 2**-150 and round to 0; log 0 = -inf"),
        # sub (exact), 3 exps, 2 adds, log, add of the max: each within 1 ulp of its own
        # result; at a result near 89 or -104 the final add dominates. Budget 2.
        "shifted_high": Near(lambda: lse(HIGH), dtype="float32", ulp=2),
        "shifted_low": Near(lambda: lse(LOW), dtype="float32", ulp=2),
        "torch_equals_shifted": Exact(True, why="ReduceOps.cpp runs amax, sub, exp, sum, log, add: the same steps"),
        # LSE is rounded at magnitude 89 (ulp 2**-17) and 89 is subtracted exactly: the error is up to
        # 2 ulp of 89, that is 2 * 2**-17 / 2**-25 = 512 ulp of a number in [0.25, 0.5).
        "excess_high": Near(lambda: lse(HIGH) - 89, dtype="float32", ulp=512),
        # math.log(3): budget 1.
        "log_c": Near(lambda: mpmath.log(3), dtype="float64", ulp=1),
    }


# ------------------------------------------------------------------ four implementations (implementations.py)


def implementations_checks():
    checks = {
        "n_rows": Exact(40, why="input stated in the article"),
        "decimal_digits": Exact(40, why="the precision of the decimal reference, stated in the article"),
        "n_classes": Exact(100, why="input stated in the article"),
        "seed": Exact(0, why="input stated in the article"),
        "scale": Input(3.0, dtype="float64"),
    }
    for suffix in ("f32", "f64"):
        checks[f"max_err_torch_{suffix}"] = Bounded(
            0.0, 1.0, why="a max-shift with exp and log each within about 1 ulp, on sums in [1, C] and results "
                          "above 1 in magnitude: the final rounding dominates, about half an ulp plus a little")
        checks[f"max_err_hand_{suffix}"] = Bounded(0.0, 1.0, why="the same operations as torch.logsumexp")
        checks[f"max_err_scipy_{suffix}"] = Bounded(0.0, 1.0, why="the log1p form of the same max-shift, in NumPy")
        checks[f"max_err_numpy_{suffix}"] = Bounded(
            1.0, 50.0, why="99 successive logaddexp steps, each rounding its result; errors add up")
        checks[f"hand_equal_{suffix}"] = Exact(True, why="ReduceOps.cpp's logsumexp runs amax, sub, exp, sum, log, add, as the hand-written line does")
        checks[f"n_same_as_scipy_{suffix}"] = Bounded(
            20, 40, why="both are within about 0.7 ulp of the exact value, so they round to the same float except near a rounding boundary")
        checks[f"max_apart_scipy_{suffix}"] = Bounded(0, 2, why="two results each within about 1 ulp of the exact value")
        checks[f"n_exp_differ_{suffix}"] = Bounded(
            0, 4000, why="a count of terms (40 x 100) where two exp implementations, each within about 1 ulp, round differently")
        checks[f"n_sum_differ_{suffix}"] = Bounded(
            0, 40, why="a count of rows where two summation orders of the same 100 terms round differently")
    return checks


# ------------------------------------------------------------------ internals and mistakes

INNER_OPS = ["aten::real", "aten::amax", "aten::squeeze", "aten::abs", "aten::eq", "aten::masked_fill_",
             "aten::sub", "aten::exp_", "aten::sum", "aten::log_", "aten::add_"]


def internals_checks():
    return {
        "logits": Input([[0.0, 1000.0], [0.0, -20.0]]),
        "inner_ops": Exact(INNER_OPS, why="logsumexp_out_impl in aten/src/ATen/native/ReduceOps.cpp: "
                                          "amax(real(self)), squeeze, masked_fill_(abs == inf), (self - maxes).exp_(), sum, log_(), add_()"),
        "explicit_autograd": Exact(True, why="native_functions.yaml: dispatch CompositeExplicitAutograd: logsumexp"),
        "implicit_autograd": Exact(False, why="it has its own entry in derivatives.yaml (logsumexp_backward), so it is not implicit"),
        # exp(z - LSE): row (0, 1000) gives exp(-1000) = 0 and exp(0) = 1; row (0, -20) gives softmax. Budget 1.
        "grad": Near(lambda: [[mpmath.exp(-1000) / (1 + mpmath.exp(-1000)), 1 / (1 + mpmath.exp(-1000))],
                              [1 / (1 + mpmath.exp(-20)), mpmath.exp(-20) / (1 + mpmath.exp(-20))]],
                     dtype="float32", ulp=1),
        "grad_is_exp_z_minus_lse": Exact(True, why="logsumexp_backward returns grad * (self - result).exp(), and grad is 1"),
    }


def mistakes_checks():
    return {
        "by_hand_masked_is_nan": Exact(True, why="the row max is -inf, and -inf - (-inf) is NaN"),
        "torch_masked_is_neg_inf": Exact(True, why="ReduceOps.cpp replaces an infinite max by 0, so exp(-inf) = 0, log 0 = -inf"),
        "unmasked_rows_equal": Exact(True, why="with a finite max both run the same steps"),
        "no_dim_raises_type_error": Exact(True, why="native_functions.yaml: logsumexp(Tensor self, int[1] dim, ...) has no default for dim"),
        "scipy_on_grad_tensor_raises": Exact(True, why="NumPy converts the tensor with .numpy(), which refuses a tensor that requires grad"),
    }


CHECKS = {
    "thresholds.py": threshold_checks(),
    "sweep.py": sweep_checks(),
    "gradient.py": gradient_checks(),
    "precision.py": precision_checks(),
    "maxshift.py": maxshift_checks(),
    "implementations.py": implementations_checks(),
    "internals.py": internals_checks(),
    "mistakes.py": mistakes_checks(),
}


# ------------------------------------------------------------------ the checks can fail


def _ulps_off(value, reference, dtype) -> float:
    reference = mpmath.mpf(reference)
    return float(abs(mpmath.mpf(value) - reference) / ulp_at(reference, dtype))


def _self_check():
    """Wrong values must fall outside the budgets: 1e-4 relative off, one float off a threshold,
    a neighbouring gap, a wrong flag."""
    # A loss 1e-4 relative off is thousands of float32 ulps away.
    loss = mpmath.mpf(95) + log1p_exp_neg(mpmath.mpf(95))
    assert _ulps_off(float(F32(loss * (1 + mpmath.mpf("1e-4")))), loss, F32) > 1
    # The float32 threshold one float lower is a different value (budget 0).
    t = first_float(events(F32)["zero"], F32)
    below = mpmath.mpf(float(np.nextafter(F32(float(t)), F32(0))))
    assert _ulps_off(below, t, F32) > 0 and not events(F32)["zero"](below)
    # The models are not vacuous: the event holds at the threshold and not one float below.
    for dtype in (F32, F64):
        for key, event in events(dtype).items():
            t = first_float(event, dtype)
            prev = mpmath.mpf(float(np.nextafter(dtype(float(t)), dtype(0))))
            assert event(t) and not event(prev), (dtype, key)
    # The thresholds sit where finfo says: each is the first float above the exact logarithm of its limit.
    for dtype in (F32, F64):
        for key, value in derived(dtype).items():
            t = first_float(events(dtype)[key], dtype)
            if key == "one":
                assert first_float(events(dtype)["lse0"], dtype) == t
            below = mpmath.mpf(float(np.nextafter(dtype(float(t)), dtype(0))))
            assert below <= value < t, (dtype, key)
    # round_to: subnormals, ties to even and overflow.
    assert round_to(mpmath.ldexp(1, -150), F32) == 0            # a tie, rounds to even 0
    assert round_to(mpmath.ldexp(3, -151), F32) == mpmath.ldexp(1, -149)
    assert mpmath.isinf(round_to(mpmath.ldexp(1, 128), F32))
    assert round_to(mpmath.mpf(float(np.finfo(F32).max)), F32) == mpmath.mpf(float(np.finfo(F32).max))
    # The sums behind the exact zeros of precision.py round to 1 on the model.
    for dtype in (F32, F64):
        assert model_sum(exact_binary(PRECISION_GAPS[dtype], dtype), dtype) == 1
    # A wrong count is caught.
    assert sweep(F32)["n_neg_inf"] != sweep(F32)["n_neg_inf"] + 1
    return True


if __name__ == "__main__":
    print("self-check passed:", _self_check())
