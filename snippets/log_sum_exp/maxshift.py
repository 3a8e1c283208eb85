"""log(sum(exp(z))) overflows and underflows; the max-shift does neither."""
# snippet-engine: devices=cpu,cuda

import math

import torch

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# float32 logits just past the limits of exp: exp(89) is above the largest
# float32, and exp(-104) is below half the smallest positive one.
high = torch.tensor([89.0, 88.0, 80.0], device=DEVICE)
low = torch.tensor([-104.0, -105.0, -110.0], device=DEVICE)


# --8<-- [start:naive]
def logsumexp_naive(z):
    return torch.log(torch.exp(z).sum())


for z in (high, low):
    print(f"z = {z.tolist()}:  exp(z) = {torch.exp(z).tolist()},  log(sum(exp(z))) = {logsumexp_naive(z).item()}")
# --8<-- [end:naive]


# --8<-- [start:shifted]
def logsumexp_shifted(z):
    m = z.max()
    return m + torch.log(torch.exp(z - m).sum())


shifted = {}
for z in (high, low):
    m = z.max()
    shifted[m.item()] = logsumexp_shifted(z)
    print(f"z = {z.tolist()}:  exp(z - m) = {[round(x, 6) for x in torch.exp(z - m).tolist()]},  "
          f"m + log(sum) = {shifted[m.item()].item():.4f},  torch.logsumexp = {torch.logsumexp(z, dim=0).item():.4f}")
same_bits = all(torch.equal(torch.logsumexp(z, dim=0), logsumexp_shifted(z)) for z in (high, low))
print("torch.logsumexp and the max-shift, same bits on both inputs:", same_bits)
# --8<-- [end:shifted]

# --8<-- [start:bounds]
# The shifted sum lies between 1 (the largest term) and C (every term at most 1),
# so LSE(z) lies between max(z) and max(z) + log(C).
for z in (high, low):
    m = z.max()
    excess = torch.logsumexp(z, dim=0) - m
    print(f"LSE(z) - max(z) = {excess.item():.4f}, within [0, log {z.numel()}] = [0, {math.log(z.numel()):.4f}]")
# --8<-- [end:bounds]

VALUES = {
    "high": high.tolist(),
    "low": low.tolist(),
    "naive_high_is_inf": bool(torch.isposinf(logsumexp_naive(high))),
    "naive_low_is_neg_inf": bool(torch.isneginf(logsumexp_naive(low))),
    "shifted_high": shifted[high.max().item()].item(),
    "shifted_low": shifted[low.max().item()].item(),
    "torch_equals_shifted": same_bits,
    "excess_high": (torch.logsumexp(high, dim=0) - high.max()).item(),
    "log_c": math.log(high.numel()),
}
