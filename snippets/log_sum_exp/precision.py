"""Where the max-shift still loses precision: a log-sum-exp close to 0."""
# snippet-engine: devices=cpu,cuda

import decimal

import numpy as np
import scipy.special
import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU
decimal.getcontext().prec = 50

# The largest logit is 0 and the other one is far below it, so
# LSE(z) = log(1 + exp(-gap)) is a small positive number.
CASES = {torch.float32: 20.0, torch.float64: 40.0}
NAMES = {torch.float32: "float32", torch.float64: "float64"}


def exact_lse(z):
    return float(sum(decimal.Decimal(x).exp() for x in z.tolist()).ln())


# --8<-- [start:log1p_form]
def logsumexp_log1p(z, dim):
    """m + log1p(sum of exp(z_k - m) over the other entries): the largest term,
    exactly 1 after the shift, is kept out of the sum and added back by log1p."""
    m = z.amax(dim=dim, keepdim=True)
    first_max = F.one_hot(z.argmax(dim=dim), z.shape[dim]).movedim(-1, dim).bool()
    rest = torch.exp(z - m).masked_fill(first_max, 0.0).sum(dim=dim)
    return m.squeeze(dim) + torch.log1p(rest)
# --8<-- [end:log1p_form]


# --8<-- [start:near_zero]
results = {}
for dtype, gap in CASES.items():
    z = torch.tensor([0.0, -gap], dtype=dtype, device=DEVICE)
    results[dtype] = {
        "torch.logsumexp": torch.logsumexp(z, dim=0).item(),
        "log1p form": logsumexp_log1p(z, dim=0).item(),
        "scipy logsumexp": float(scipy.special.logsumexp(z.cpu().numpy())),
        "exact": exact_lse(z),
    }
    print(f"{NAMES[dtype]}, z = {z.tolist()}:")
    for name, value in results[dtype].items():
        print(f"  {name:<16} {value:.8g}")
    shifted_sum = torch.exp(z - z.max()).sum()
    print(f"  sum of exp(z - m) = {shifted_sum.item()!r}  (exp(-{gap:g}) = {np.exp(-gap):.3g}, "
          f"eps/2 = {torch.finfo(dtype).eps / 2:.3g})")
# --8<-- [end:near_zero]

# --8<-- [start:cross_entropy]
# The same rounding in a loss: a confident, correct prediction.
logits = torch.tensor([[0.0, -CASES[torch.float32]]], device=DEVICE, requires_grad=True)
loss = F.cross_entropy(logits, torch.tensor([0], device=DEVICE))
loss.backward()
print("cross_entropy =", loss.item())
print("gradient      =", logits.grad.tolist())
# --8<-- [end:cross_entropy]

VALUES = {
    "gap_f32": CASES[torch.float32],
    "gap_f64": CASES[torch.float64],
    **{f"{key.split()[0].replace('.', '_')}_{suffix}": results[dtype][key]
       for dtype, suffix in ((torch.float32, "f32"), (torch.float64, "f64"))
       for key in results[dtype]},
    "torch_rel_err_f32": abs(results[torch.float32]["torch.logsumexp"] - results[torch.float32]["exact"])
    / results[torch.float32]["exact"],
    "ce_loss": loss.item(),
    "ce_grad": logits.grad[0].tolist(),
}
