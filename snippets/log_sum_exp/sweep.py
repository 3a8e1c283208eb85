"""Error of log(softmax(z)) and of log_softmax(z) for the unlikely class, swept over the logit gap."""
# snippet-engine: devices=cpu,cuda

import decimal
import math
from fractions import Fraction

import torch

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU
DTYPES = (torch.float32, torch.float64)
NAMES = {torch.float32: "float32", torch.float64: "float64"}
# Gaps around the thresholds of each dtype (see the thresholds snippet).
GRIDS = {torch.float32: (64.0, 112.0, 0.25), torch.float64: (680.0, 760.0, 0.5)}
HALF_ULP = 0.5  # a correctly rounded result is at most half a unit in the last place off
# Rows of the printed table; the exported series cover the whole grid.
SHOWN = {
    torch.float32: (64.0, 80.0, 87.0, 88.0, 90.0, 92.0, 95.0, 98.0, 100.0, 102.0, 103.0, 103.75, 104.0),
    torch.float64: (680.0, 700.0, 708.0, 709.0, 712.0, 715.0, 720.0, 730.0, 740.0, 744.0, 745.0, 745.5),
}
decimal.getcontext().prec = 50  # every Decimal operation below keeps 50 digits


def exact_log_q0(g):
    """log q_0 = -(g + log(1 + exp(-g))) for logits (0, g), as an exact fraction.

    The gap is taken at its exact binary value; log(1 + x) for x = exp(-g) is
    kept to 50 significant digits even where it is far below the gap itself.
    """
    x = (-decimal.Decimal(g)).exp()
    log1p_x = x - x * x / 2 if x < decimal.Decimal("1e-20") else (1 + x).ln()
    return -(Fraction(g) + Fraction(log1p_x))


def ulp_at(x, dtype):
    """One unit in the last place of this dtype at the exact value x (a normal number here)."""
    digits = 24 if dtype == torch.float32 else 53
    x = abs(Fraction(x))
    power = Fraction(2) ** (math.frexp(float(x))[1] - 1)  # 2**e with 2**e <= x < 2**(e + 1)
    while power > x:  # correct the guess if float(x) rounded up to a power of two
        power /= 2
    return power / 2 ** (digits - 1)


def error_in_ulps(computed, exact, dtype):
    return float(abs(Fraction(computed) - exact) / ulp_at(exact, dtype))


def shown(error):
    """Errors below 100 ulp with two decimals, larger ones in three significant digits."""
    return f"{error:.2f}" if error < 100 else f"{error:.3g}"


def significant_bits(q, dtype):
    """Bits of precision a value still carries: all of them when normal, fewer when subnormal."""
    fi = torch.finfo(dtype)
    if q >= fi.tiny:
        return 24 if dtype == torch.float32 else 53
    return int(q / (fi.tiny * fi.eps)).bit_length()


# --8<-- [start:sweep]
series = {}
for dtype in DTYPES:
    start, stop, step = GRIDS[dtype]
    gaps = torch.arange(start, stop + step / 2, step, dtype=dtype).to(DEVICE)
    z = torch.stack([torch.zeros_like(gaps), gaps], dim=1)  # one row (0, g) per gap
    q0 = torch.softmax(z, dim=1)[:, 0]
    naive = torch.log(torch.softmax(z, dim=1))[:, 0]
    stable = torch.log_softmax(z, dim=1)[:, 0]
    exact = [exact_log_q0(g) for g in gaps.tolist()]
    finite = int(torch.isfinite(naive).sum())  # naive is finite on a prefix of the grid
    series[dtype] = {
        "gaps": gaps.tolist(),
        "q0": q0.tolist(),
        "bits": [significant_bits(q, dtype) for q in q0.tolist()],
        "exact": [float(e) for e in exact],
        "naive": naive[:finite].tolist(),
        "stable": stable.tolist(),
        "naive_err": [error_in_ulps(v, e, dtype) for v, e in zip(naive[:finite].tolist(), exact)],
        "stable_err": [error_in_ulps(v, e, dtype) for v, e in zip(stable.tolist(), exact)],
    }

for dtype in DTYPES:
    s = series[dtype]
    print(f"{NAMES[dtype]}: error of log q_0 in ulps of the exact value")
    print(f"{'gap':>8}{'q_0 = softmax(z)[0]':>22}{'bits':>6}{'log(softmax)':>16}{'log_softmax':>13}")
    for g in SHOWN[dtype]:
        i = s["gaps"].index(g)
        naive_err = shown(s["naive_err"][i]) if i < len(s["naive"]) else "-inf"
        print(f"{g:>8g}{s['q0'][i]:>22.6g}{s['bits'][i]:>6}{naive_err:>16}{shown(s['stable_err'][i]):>13}")
# --8<-- [end:sweep]

# --8<-- [start:summary]
summary = {}
for dtype in DTYPES:
    s = series[dtype]
    first_off = next(g for g, e in zip(s["gaps"], s["naive_err"]) if e > HALF_ULP)
    summary[dtype] = {
        "stable_all_rounded": max(s["stable_err"]) < HALF_ULP,  # correctly rounded at every gap
        "first_off": first_off,
        "first_off_bits": s["bits"][s["gaps"].index(first_off)],
        "naive_err_max": max(s["naive_err"]),
        "n_neg_inf": len(s["gaps"]) - len(s["naive"]),
    }
    print(f"{NAMES[dtype]}, {len(s['gaps'])} gaps from {s['gaps'][0]:g} to {s['gaps'][-1]:g}:")
    print(f"  log_softmax correctly rounded (error < {HALF_ULP:g} ulp) at every gap: {summary[dtype]['stable_all_rounded']}")
    print(f"  log(softmax) first off by more than {HALF_ULP:g} ulp at gap {first_off:g} "
          f"({summary[dtype]['first_off_bits']} bits left in q_0), "
          f"worst finite error {shown(summary[dtype]['naive_err_max'])} ulp, "
          f"-inf at the last {summary[dtype]['n_neg_inf']} gaps")
# --8<-- [end:summary]

VALUES = {
    f"{key}_{suffix}": table[dtype][key]
    for table in (series, summary)
    for dtype, suffix in ((torch.float32, "f32"), (torch.float64, "f64"))
    for key in table[dtype]
}
VALUES["step_f32"], VALUES["step_f64"] = GRIDS[torch.float32][2], GRIDS[torch.float64][2]
