"""Probability targets: the gradient is q - p, and what an unnormalised p does."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=grad_soft,grad_raw,max_abs_diff_soft,max_abs_diff_raw; entries q - p that cancel turn one float32 ulp of q into up to 32 ulps, and the gaps to the formulas are rounding gaps that depend on the kernels' exp

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]], device=DEVICE)
N = logits.shape[0]
# One distribution per sample, same shape as the logits.
P = torch.tensor([[0.1, 0.8, 0.1],
                  [0.0, 0.3, 0.7]], device=DEVICE)
# Scores that are not a distribution: the rows sum to 4 and to 2.
P_raw = torch.tensor([[1.0, 3.0, 0.0],
                      [0.5, 0.5, 1.0]], device=DEVICE)


def grad_of(target):
    x = logits.clone().requires_grad_(True)
    F.cross_entropy(x, target).backward()  # reduction='mean'
    return x.grad


# --8<-- [start:soft]
q = torch.softmax(logits, dim=1)
grad = grad_of(P)
print("autograd:")
print(grad)
print("(q - P) / N:")
print((q - P) / N)
# --8<-- [end:soft]

# --8<-- [start:unnormalised]
# PyTorch does not check that a target row sums to 1. The gradient is then
# (sum_j p_j) q - p, divided by N: it is scaled by the row sum, and it
# vanishes where q = p / sum_j p_j, not where q = p.
s = P_raw.sum(dim=1, keepdim=True)
grad_raw = grad_of(P_raw)
print("row sums of the target:", s.flatten())
print("autograd:")
print(grad_raw)
print("(s q - p) / N:")
print((s * q - P_raw) / N)
# --8<-- [end:unnormalised]

VALUES = {
    "logits": logits.tolist(),
    "soft_targets": P.tolist(),
    "raw_targets": P_raw.tolist(),
    "raw_row_sums": s.flatten().tolist(),
    "softmax": q.tolist(),
    "grad_soft": grad.tolist(),
    "grad_raw": grad_raw.tolist(),
    "max_abs_diff_soft": (grad - (q - P) / N).abs().max().item(),
    "max_abs_diff_raw": (grad_raw - (s * q - P_raw) / N).abs().max().item(),
}
