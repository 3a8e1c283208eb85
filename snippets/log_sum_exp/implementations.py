"""torch.logsumexp, a hand-written max-shift, SciPy and NumPy on the same random rows."""
# snippet-engine: devices=cpu,cuda

import decimal
import math
from fractions import Fraction

import numpy as np
import scipy.special
import torch

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU
DIGITS = 40  # decimal digits of the exact reference
decimal.getcontext().prec = DIGITS
N_ROWS, N_CLASSES, SEED, SCALE = 40, 100, 0, 3.0
NAMES = {torch.float32: "float32", torch.float64: "float64"}


def exact_lse(row):
    """log sum exp over the exact binary values of the row, as a fraction (DIGITS digits)."""
    return Fraction(sum(decimal.Decimal(x).exp() for x in row).ln())


def ulps(value, exact, dtype):
    """|value - exact| in units in the last place of this dtype at exact."""
    digits = 24 if dtype == torch.float32 else 53
    power = Fraction(2) ** (math.frexp(float(abs(exact)))[1] - 1)
    while power > abs(exact):
        power /= 2
    return float(abs(Fraction(value) - exact) / (power / 2 ** (digits - 1)))


def bits_apart(a, b):
    """How many representable values lie between two tensors of the same float dtype."""
    as_int = torch.int32 if a.dtype == torch.float32 else torch.int64
    return (a.view(as_int).long() - b.view(as_int).long()).abs()


# --8<-- [start:four_ways]
generator = torch.Generator().manual_seed(SEED)
logits64 = (SCALE * torch.randn(N_ROWS, N_CLASSES, generator=generator, dtype=torch.float64)).to(DEVICE)

summary = {}
for dtype in (torch.float32, torch.float64):
    z = logits64.to(dtype)
    m = z.amax(dim=1, keepdim=True)
    ways = {
        "torch.logsumexp": torch.logsumexp(z, dim=1),
        "max-shift by hand": torch.log(torch.exp(z - m).sum(dim=1)) + m.squeeze(1),
        "scipy logsumexp": torch.from_numpy(scipy.special.logsumexp(z.cpu().numpy(), axis=1)).to(DEVICE),
        "np.logaddexp.reduce": torch.from_numpy(np.logaddexp.reduce(z.cpu().numpy(), axis=1)).to(DEVICE),
    }
    exact = [exact_lse(row) for row in z.tolist()]
    print(f"{NAMES[dtype]}, {N_ROWS} rows of {N_CLASSES} logits: error in ulps of the exact value")
    print(f"  {'':<22}{'max':>8}{'mean':>8}")
    errors = {}
    for name, result in ways.items():
        errors[name] = [ulps(v, e, dtype) for v, e in zip(result.tolist(), exact)]
        print(f"  {name:<22}{max(errors[name]):>8.2f}{sum(errors[name]) / N_ROWS:>8.2f}")
    apart = bits_apart(ways["torch.logsumexp"], ways["scipy logsumexp"])
    summary[dtype] = {
        **{f"max_err_{short}": max(errors[name]) for short, name in zip(("torch", "hand", "scipy", "numpy"), ways)},
        "hand_equal": torch.equal(ways["torch.logsumexp"], ways["max-shift by hand"]),
        "n_same_as_scipy": int((apart == 0).sum()),
        "max_apart_scipy": int(apart.max()),
    }
    print(f"  max-shift by hand equals torch.logsumexp bit for bit: {summary[dtype]['hand_equal']}")
    print(f"  torch.logsumexp and scipy: the same float in {summary[dtype]['n_same_as_scipy']} "
          f"of {N_ROWS} rows, at most {summary[dtype]['max_apart_scipy']} ulp apart")
# --8<-- [end:four_ways]

# --8<-- [start:why_apart]
# Where the two libraries part: the same shifted terms z - m, exponentiated by
# each library; then the same (PyTorch) terms, summed by each library.
for dtype in (torch.float32, torch.float64):
    z = logits64.to(dtype)
    shifted = z - z.amax(dim=1, keepdim=True)
    exp_torch, exp_numpy = torch.exp(shifted), torch.from_numpy(np.exp(shifted.cpu().numpy())).to(DEVICE)
    sum_torch, sum_numpy = exp_torch.sum(dim=1), torch.from_numpy(exp_torch.cpu().numpy().sum(axis=1)).to(DEVICE)
    summary[dtype]["n_exp_differ"] = int((exp_torch != exp_numpy).sum())
    summary[dtype]["n_sum_differ"] = int((sum_torch != sum_numpy).sum())
    print(f"{NAMES[dtype]}: exp differs in {summary[dtype]['n_exp_differ']} of {shifted.numel()} terms, "
          f"the sum of the same terms in {summary[dtype]['n_sum_differ']} of {N_ROWS} rows")
# --8<-- [end:why_apart]

VALUES = {
    "n_rows": N_ROWS,
    "decimal_digits": DIGITS,
    "n_classes": N_CLASSES,
    "seed": SEED,
    "scale": SCALE,
    **{f"{key}_{suffix}": summary[dtype][key]
       for dtype, suffix in ((torch.float32, "f32"), (torch.float64, "f64"))
       for key in summary[dtype]},
}
