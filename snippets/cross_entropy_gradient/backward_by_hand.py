"""The two backward kernels of cross-entropy, called by hand, against autograd."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=by_hand,n_differ_same_formula,max_ulp_same_formula,max_ulp_same_formula_target,max_ulp_same_formula_other,n_differ_softmax,max_ulp_softmax,max_ulp_softmax_target,max_ulp_softmax_other; they count the entries where autograd and two hand-written formulas round differently, and which entries do depends on whether the kernels use ATen's vectorised exp (AVX2, AVX512) or the scalar one

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]], device=DEVICE)
targets = torch.tensor([1, 2], device=DEVICE)
MEAN, IGNORE_INDEX = 1, -100  # ATen's code for reduction='mean'; the default ignore_index

x = logits.clone().requires_grad_(True)
F.cross_entropy(x, targets).backward()
autograd_grad = x.grad

# --8<-- [start:kernels]
# Forward, as cross_entropy runs it: log_softmax, then nll_loss_forward,
# which also returns the total weight that 'mean' divides by (here N = 2).
log_probs = torch.log_softmax(logits, dim=1)
loss, total_weight = torch.ops.aten.nll_loss_forward(
    log_probs, targets, None, MEAN, IGNORE_INDEX)

# Backward, kernel 1: d loss / d log_probs is -1/total_weight at each target, 0 elsewhere.
g = torch.ops.aten.nll_loss_backward(
    torch.tensor(1.0, device=DEVICE), log_probs, targets, None, MEAN, IGNORE_INDEX, total_weight)
print("nll_loss_backward:")
print(g)

# Backward, kernel 2: g - exp(log_probs) * (row sum of g).
grad = torch.ops.aten._log_softmax_backward_data(g, log_probs, 1, torch.float32)
print("_log_softmax_backward_data:")
print(grad)
print("bit for bit what autograd returns:", torch.equal(grad, autograd_grad))
# --8<-- [end:kernels]


def ulps_apart(a, b):
    """Distance in float32 units in the last place (entries of the same sign)."""
    return (a.view(torch.int32).long() - b.view(torch.int32).long()).abs()


# --8<-- [start:by_hand]
# A bigger batch, to see how often three ways of writing the same formula
# round differently in float32.
N_BIG, C_BIG = 64, 10
gen = torch.Generator().manual_seed(0)
big = (3 * torch.randn(N_BIG, C_BIG, generator=gen)).to(DEVICE)
big_targets = torch.randint(C_BIG, (N_BIG,), generator=gen).to(DEVICE)
xb = big.clone().requires_grad_(True)
F.cross_entropy(xb, big_targets, reduction="sum").backward()

Y = F.one_hot(big_targets, C_BIG).to(big.dtype)
lp = torch.log_softmax(big, dim=1)
g_big = -Y  # nll_loss_backward for reduction='sum'
same_formula = g_big - torch.exp(lp) * g_big.sum(dim=1, keepdim=True)
via_softmax = torch.softmax(big, dim=1) - Y
at_target = Y.bool()
print(f"{'autograd against':<34} {'differ':>7} {'max ulp, target':>16} {'max ulp, others':>16}")
for name, other in [("g - torch.exp(log_probs) * sum(g)", same_formula),
                    ("softmax(z) - onehot(y)", via_softmax)]:
    d = ulps_apart(xb.grad, other)
    print(f"{name:<34} {int((d > 0).sum()):>3} of {d.numel()}"
          f" {int(d[at_target].max()):>16} {int(d[~at_target].max()):>16}")
# --8<-- [end:by_hand]

d_same = ulps_apart(xb.grad, same_formula)
d_soft = ulps_apart(xb.grad, via_softmax)
VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "total_weight": total_weight.item(),
    "nll_backward": g.tolist(),
    "kernel_grad": grad.tolist(),
    "kernels_equal_autograd": torch.equal(grad, autograd_grad),
    "big_batch_size": N_BIG,
    "big_classes": C_BIG,
    "n_entries": d_same.numel(),
    "n_differ_same_formula": int((d_same > 0).sum()),
    "max_ulp_same_formula": int(d_same.max()),
    "max_ulp_same_formula_target": int(d_same[at_target].max()),
    "max_ulp_same_formula_other": int(d_same[~at_target].max()),
    "n_differ_softmax": int((d_soft > 0).sum()),
    "max_ulp_softmax": int(d_soft.max()),
    "max_ulp_softmax_target": int(d_soft[at_target].max()),
    "max_ulp_softmax_other": int(d_soft[~at_target].max()),
}
