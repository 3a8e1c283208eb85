"""Error of log(softmax(z)) and of log_softmax(z) for the unlikely class, swept over the logit gap."""
# snippet-engine: devices=cpu,cuda

import decimal
import math
from fractions import Fraction

import matplotlib.pyplot as plt
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

def marked_gap(holds, dtype):
    """The first gap of this dtype where holds(logits (0, g)) is true: the thresholds snippet's bisection."""
    int_type = torch.int32 if dtype == torch.float32 else torch.int64
    lo, hi = (torch.tensor(x, dtype=dtype).view(int_type).item() for x in (1.0, 2000.0))
    as_logits = lambda bits: torch.tensor([0, bits], dtype=int_type, device=DEVICE).view(dtype).clone()
    while hi - lo > 1:
        lo, hi = (lo, (lo + hi) // 2) if holds(as_logits((lo + hi) // 2)) else ((lo + hi) // 2, hi)
    return as_logits(hi)[1].item()


def naive_gradient_finite(z):
    z = z.requires_grad_(True)
    (-torch.log(torch.softmax(z, dim=0))[0]).backward()
    return bool(torch.isfinite(z.grad).all())


# Where the figure draws its vertical lines: the thresholds of the previous snippet, found again here.
marks = {
    dtype: {
        "sub": marked_gap(lambda z: torch.softmax(z, dim=0)[0] < torch.finfo(dtype).tiny, dtype),
        "grad": marked_gap(lambda z: not naive_gradient_finite(z), dtype),
        "zero": marked_gap(lambda z: torch.softmax(z, dim=0)[0] == 0, dtype),
    }
    for dtype in DTYPES
}
FLOOR = 1e-3  # errors below this many ulps are drawn at it, on the axis's bottom edge

# --8<-- [start:figure]
# marks[dtype]: the "sub", "grad" and "zero" gaps of the thresholds snippet, found again by the same
# bisection (defined just above this section); errors under FLOOR ulps are drawn at FLOOR (a log axis has no 0).
fig, panels = plt.subplots(2, 1, num="error-vs-gap", figsize=(7.5, 6.6), layout="constrained")
mark_labels = {}
for panel, dtype in zip(panels, DTYPES):
    s, m = series[dtype], marks[dtype]
    panel.set_yscale("log")
    panel.axhspan(FLOOR / 3, HALF_ULP, color="C2", alpha=0.15, linewidth=0)
    panel.plot(s["gaps"], [max(e, FLOOR) for e in s["stable_err"]], label="log_softmax(z): stable")
    panel.plot(s["gaps"][:len(s["naive"])], [max(e, FLOOR) for e in s["naive_err"]], "--", label="log(softmax(z)): naive")
    data_lines = panel.get_lines()
    mark_labels[dtype] = {
        "sub": f"q₀ subnormal from g = {m['sub']:.2f}",
        "grad": f"naive gradient not finite from g = {m['grad']:.2f}",
        "zero": f"q₀ = 0 from g = {m['zero']:.2f}",
    }
    marked = [panel.axvline(m[key], color=colour, linewidth=1.2, linestyle=style, label=mark_labels[dtype][key])
              for key, colour, style in (("sub", "C3", ":"), ("grad", "C4", "-."), ("zero", "C1", "-"))]
    panel.axvspan(m["zero"], s["gaps"][-1], color="C1", alpha=0.15, linewidth=0)
    top = 10 * max(s["naive_err"])
    panel.text((m["zero"] + s["gaps"][-1]) / 2, top ** 0.5, "naive: −inf", color="C1", ha="center", va="center", rotation=90)
    panel.text(s["gaps"][0], HALF_ULP / 1.5, f"correctly rounded (< {HALF_ULP:g} ulp)", color="C2", va="top", fontsize=9)
    panel.text(s["gaps"][0], FLOOR * 1.4, f"under {FLOOR:g}: drawn at {FLOOR:g}", va="bottom", fontsize=9)
    panel.legend(handles=marked, loc="upper left", fontsize=9, framealpha=1, edgecolor="none")
    panel.set_ylim(FLOOR / 3, top)
    panel.set_xlim(s["gaps"][0], s["gaps"][-1])
    panel.set_title(NAMES[dtype], loc="right")
    panel.set_ylabel("error of log q₀, in ulps")
panels[1].set_xlabel("logit gap g, logits (0, g)")
fig.legend(handles=data_lines, frameon=False, loc="outside upper center", ncols=2)
plt.show()
# --8<-- [end:figure]

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


def panel_text(dtype, language):
    """What one panel of the figure shows, for its alt text."""
    s, m, worst = series[dtype], marks[dtype], summary[dtype]
    stable_max = f"{max(s['stable_err']):.1e}".replace("-", "−")
    if language == "en":
        return (f"{NAMES[dtype]}, gaps {s['gaps'][0]:g} to {s['gaps'][-1]:g}: log_softmax is at most {stable_max} ulps off; "
                f"log(softmax) leaves the band at g = {worst['first_off']:g} and reaches {shown(worst['naive_err_max'])} ulps; "
                f"q₀ turns subnormal at g = {m['sub']:.2f}, the naive gradient stops being finite at g = {m['grad']:.2f}, "
                f"and from g = {m['zero']:.2f} q₀ is 0, so the naive result is −inf.")
    return (f"{NAMES[dtype]}，差值 {s['gaps'][0]:g} 到 {s['gaps'][-1]:g}：log_softmax 的误差至多 {stable_max} ulp；"
            f"log(softmax) 在 g = {worst['first_off']:g} 处离开该区域，最大达到 {shown(worst['naive_err_max'])} ulp；"
            f"q₀ 在 g = {m['sub']:.2f} 处变为次正规数，朴素梯度在 g = {m['grad']:.2f} 处不再有限，"
            f"从 g = {m['zero']:.2f} 起 q₀ 为 0，朴素结果为 −inf。")


FIGURES = {
    "error-vs-gap": {
        "alt": {
            "en": "Two panels of the error of log q₀ against the logit gap g, for logits (0, g), in ulps of the exact value on a "
                  f"logarithmic axis, errors below {FLOOR:g} ulp drawn at {FLOOR:g}; a shaded band marks the correctly rounded "
                  f"results, under {HALF_ULP:g} ulp, and vertical lines the thresholds. "
                  + " ".join(panel_text(dtype, "en") for dtype in DTYPES),
            "zh": "两幅图：log q₀ 的误差随 logit 差 g 的变化，logits 为 (0, g)，误差以精确值处的 ulp 为单位、取对数刻度，"
                  f"小于 {FLOOR:g} ulp 的误差画在 {FLOOR:g} 处；阴影带表示正确舍入（误差小于 {HALF_ULP:g} ulp），竖线标出各个阈值。"
                  + "".join(panel_text(dtype, "zh") for dtype in DTYPES),
        },
        "text": {
            "zh": {
                "log_softmax(z): stable": "log_softmax(z)：稳定",
                "log(softmax(z)): naive": "log(softmax(z))：朴素",
                "naive: −inf": "朴素：−inf",
                f"correctly rounded (< {HALF_ULP:g} ulp)": f"正确舍入（< {HALF_ULP:g} ulp）",
                f"under {FLOOR:g}: drawn at {FLOOR:g}": f"小于 {FLOOR:g} 的画在 {FLOOR:g} 处",
                "logit gap g, logits (0, g)": "logit 差 g，logits 为 (0, g)",
                "error of log q₀, in ulps": "log q₀ 的误差（ulp）",
                **{NAMES[dtype]: NAMES[dtype] for dtype in DTYPES},
                **{
                    label: {
                        "sub": f"g = {marks[dtype][key]:.2f} 起 q₀ 为次正规数",
                        "grad": f"g = {marks[dtype][key]:.2f} 起朴素梯度不再有限",
                        "zero": f"g = {marks[dtype][key]:.2f} 起 q₀ = 0",
                    }[key]
                    for dtype in DTYPES
                    for key, label in mark_labels[dtype].items()
                },
            },
        },
    },
}
