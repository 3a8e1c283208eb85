"""Softmax: positive, sums to one, keeps the order, ignores a common shift."""
# snippet-engine: devices=cpu,cuda

import torch

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

z = torch.tensor([2.0, -1.0, 0.0, 3.5], device=DEVICE)

# --8<-- [start:probabilities]
p = torch.softmax(z, dim=0)
print("logits z      =", z)
print("softmax(z)    =", p)
print("all positive  :", bool((p > 0).all()))
print("sum           =", f"{p.sum().item():.6f}")
# exp is increasing, so the largest logit gets the largest probability.
print("same ranking  :", torch.equal(torch.argsort(z), torch.argsort(p)))
# --8<-- [end:probabilities]

# --8<-- [start:shift]
# Adding the same constant c to every logit multiplies numerator and
# denominator by exp(c), which cancels.
c = 100.0
p_shifted = torch.softmax(z + c, dim=0)
print(f"softmax(z + {c:g}) =", p_shifted)
# Bit-for-bit equality holds here because PyTorch subtracts the row maximum
# first and z + 100 - max(z + 100) is exactly z - max(z) for these inputs.
print(f"torch.equal(softmax(z), softmax(z + {c:g})):", torch.equal(p, p_shifted))
# --8<-- [end:shift]

VALUES = {
    "logits": z.tolist(),
    "softmax": p.tolist(),
    "softmax_sum": p.sum().item(),
    "all_positive": bool((p > 0).all()),
    "same_ranking": torch.equal(torch.argsort(z), torch.argsort(p)),
    "shift": c,
    "shift_equal": torch.equal(p, p_shifted),
}
