"""The logit gaps at which log(softmax) changes behaviour, found by bisection and explained by torch.finfo."""
# snippet-engine: devices=cpu,cuda

import math

import numpy as np
import torch

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# Two classes with logits z = (0, g): class 0 is the unlikely one, with
# q_0 = exp(-g) / (1 + exp(-g)), and class 1 the likely one.
DTYPES = (torch.float32, torch.float64)
NAMES = {torch.float32: "float32", torch.float64: "float64"}


def as_text(x, dtype):
    """The shortest decimal that reads back as the same value of this dtype."""
    return str(np.float32(x)) if dtype == torch.float32 else repr(float(x))


# --8<-- [start:finfo]
# Each threshold below is the logarithm of one of the dtype's limits.
derived = {}
for dtype in DTYPES:
    fi = torch.finfo(dtype)
    smallest_subnormal = fi.tiny * fi.eps  # 2**-149 in float32, 2**-1074 in float64
    derived[dtype] = {
        # exp(-g) <= eps / 2: 1 + exp(-g) rounds to 1, so log q_1 becomes 0
        "one": math.log(2 / fi.eps),
        # exp(-g) < tiny: q_0 is subnormal and loses significant bits
        "sub": -math.log(fi.tiny),
        # 1 / q_0 > max: the backward pass of log overflows
        "grad": math.log(fi.max),
        # exp(-g) < smallest_subnormal / 2: q_0 rounds to 0
        "zero": math.log(2) - math.log(smallest_subnormal),
    }
    print(f"{NAMES[dtype]}: eps = {fi.eps:.4g}, tiny = {fi.tiny:.4g}, "
          f"smallest subnormal = {smallest_subnormal:.4g}, max = {fi.max:.4g}")
    print(f"  ln(2/eps) = {derived[dtype]['one']:.4f}   -ln(tiny) = {derived[dtype]['sub']:.4f}   "
          f"ln(max) = {derived[dtype]['grad']:.4f}   -ln(subnormal/2) = {derived[dtype]['zero']:.4f}")
# --8<-- [end:finfo]


# --8<-- [start:search]
def first_gap(holds, dtype, lo=1.0, hi=2000.0):
    """The smallest gap g of this dtype in (lo, hi] for which holds(g) is true.

    Positive floats are ordered like their bit patterns, so bisecting over the
    integers finds the exact representable threshold, not an approximation.
    """
    int_type = torch.int32 if dtype == torch.float32 else torch.int64
    lo_bits = torch.tensor(lo, dtype=dtype).view(int_type).item()
    hi_bits = torch.tensor(hi, dtype=dtype).view(int_type).item()
    as_float = lambda bits: torch.tensor(bits, dtype=int_type, device=DEVICE).view(dtype)
    assert not holds(as_float(lo_bits)) and holds(as_float(hi_bits))
    while hi_bits - lo_bits > 1:
        mid = (lo_bits + hi_bits) // 2
        if holds(as_float(mid)):
            hi_bits = mid
        else:
            lo_bits = mid
    return as_float(hi_bits).item()


def logits(g):
    return torch.stack([torch.zeros_like(g), g])


def naive_gradient(g):
    z = logits(g).requires_grad_(True)
    (-torch.log(torch.softmax(z, dim=0))[0]).backward()
    return z.grad


found = {}
for dtype in DTYPES:
    tiny = torch.finfo(dtype).tiny
    found[dtype] = {
        "one": first_gap(lambda g: torch.log_softmax(logits(g), dim=0)[1] == 0, dtype),
        "lse0": first_gap(lambda g: torch.logsumexp(torch.stack([torch.zeros_like(g), -g]), dim=0) == 0, dtype),
        "sub": first_gap(lambda g: torch.softmax(logits(g), dim=0)[0] < tiny, dtype),
        "grad": first_gap(lambda g: not torch.isfinite(naive_gradient(g)).all(), dtype),
        "zero": first_gap(lambda g: torch.softmax(logits(g), dim=0)[0] == 0, dtype),
    }

print(f"{'first gap where':<44}{'float32':>12}{'float64':>22}")
labels = {
    "one": "log_softmax gives log q_1 = 0 exactly",
    "lse0": "torch.logsumexp of (0, -g) is exactly 0",
    "sub": "softmax gives a subnormal q_0",
    "grad": "gradient of log(softmax) is not finite",
    "zero": "softmax gives q_0 = 0, log(q_0) = -inf",
}
for key, label in labels.items():
    print(f"{label:<44}{as_text(found[torch.float32][key], torch.float32):>12}"
          f"{as_text(found[torch.float64][key], torch.float64):>22}")
# --8<-- [end:search]

VALUES = {
    f"{kind}_{key}_{suffix}": table[dtype][key]
    for kind, table in (("ln", derived), ("gap", found))
    for dtype, suffix in ((torch.float32, "f32"), (torch.float64, "f64"))
    for key in table[dtype]
}
# The format constants the article quotes, from torch.finfo: the significant bits
# of each dtype (the implicit leading one included), and one ulp of a float32 of
# the size of the log-probabilities near the thresholds (|log q_0| near 90), as a
# power of two; an error in q_0 shows in log q_0 once it exceeds that ulp, that
# is once q_0 has fewer significant bits than minus that power.
for dtype, suffix in ((torch.float32, "f32"), (torch.float64, "f64")):
    VALUES[f"significant_bits_{suffix}"] = 1 - int(math.log2(torch.finfo(dtype).eps))
LOG_Q0_NEAR = 90.0
VALUES["log_q0_near"] = LOG_Q0_NEAR
VALUES["ulp_near_log2_f32"] = math.frexp(LOG_Q0_NEAR)[1] - VALUES["significant_bits_f32"]
VALUES["visible_bits_f32"] = -VALUES["ulp_near_log2_f32"]
