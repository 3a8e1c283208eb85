"""Every gradient formula of the article against autograd and gradcheck, in float64."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=autograd_grads,max_error; float64 entries s_i q_i - u_i that cancel turn one ulp of q into hundreds or thousands of ulps, and the largest gap to the formula moves with them

import math

import numpy as np
import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# Random inputs from NumPy's seeded generator (uniform draws and arithmetic
# only), so that a check without PyTorch can regenerate exactly the same numbers.
rng = np.random.default_rng(2026)
N, C = 4, 5
z0 = torch.from_numpy(6.0 * rng.random((N, C)) - 3.0).to(DEVICE)  # logits in [-3, 3)
y = torch.from_numpy(rng.integers(0, C, N)).to(DEVICE)  # class indices, int64
p_np = rng.random((N, C))
p = torch.from_numpy(p_np / p_np.sum(axis=1, keepdims=True)).to(DEVICE)  # rows sum to 1
w = torch.from_numpy(0.5 + 1.5 * rng.random(C)).to(DEVICE)  # class weights in [0.5, 2)
v = torch.from_numpy(rng.random(N) + 0.5).to(DEVICE)  # upstream gradient for 'none'
EPS = 0.1
TOL = 1e-15

# --8<-- [start:formula]
def closed_form(z, target, weight, eps, reduction, upstream):
    """The article's formula: row i of the gradient is (s_i q_i - u_i) / D."""
    index = target.dtype == torch.int64
    p = F.one_hot(target, C).to(z.dtype) if index else target
    p = (1 - eps) * p + eps / C  # label smoothing (eps = 0: unchanged)
    w = torch.ones(C, dtype=z.dtype, device=z.device) if weight is None else weight
    u = w * p  # u_ij = w_j p_ij
    g = u.sum(dim=1, keepdim=True) * torch.softmax(z, dim=1) - u
    if reduction == "mean":  # D: sum of target weights for indices, N for probabilities
        g = g / (w[target].sum() if index else N)
    if reduction == "none":
        g = g * upstream.unsqueeze(1)
    return g
# --8<-- [end:formula]

# --8<-- [start:table]
FORMS = {
    "index": (y, None, 0.0),
    "index, weight": (y, w, 0.0),
    "index, weight, smoothing": (y, w, EPS),
    "probabilities": (p, None, 0.0),
    "probabilities, weight": (p, w, 0.0),
    "probabilities, weight, smoothing": (p, w, EPS),
}
REDUCTIONS = ("mean", "sum", "none")

case_names, autograd_grads, max_errors, gradchecks = [], [], [], []
print(f"{'target form':<34}{'reduction':<11}{'formula':<9}gradcheck")
for form, (target, weight, eps) in FORMS.items():
    for reduction in REDUCTIONS:
        def loss_fn(z):
            return F.cross_entropy(z, target, weight=weight, reduction=reduction,
                                   label_smoothing=eps)

        z = z0.clone().requires_grad_(True)
        loss = loss_fn(z)
        # 'none' returns one loss per sample: weight them by the upstream gradient v.
        (loss * v if reduction == "none" else loss).sum().backward()
        error = (z.grad - closed_form(z0, target, weight, eps, reduction, v)).abs().max().item()
        ok = torch.autograd.gradcheck(loss_fn, (z0.clone().requires_grad_(True),))
        case_names.append(f"{form} / {reduction}")
        autograd_grads.append(z.grad.tolist())
        max_errors.append(error)
        gradchecks.append(ok)
        print(f"{form:<34}{reduction:<11}{'ok' if error < TOL else 'DIFFERS':<9}{ok}")
print(f"formula within {TOL:g} of autograd in all {len(max_errors)} cases:",
      max(max_errors) < TOL)
print("gradcheck passed in all cases:", all(gradchecks))
# --8<-- [end:table]

VALUES = {
    "logits": z0.tolist(),
    "index_targets": y.tolist(),
    "prob_targets": p.tolist(),
    "weight": w.tolist(),
    "upstream": v.tolist(),
    "label_smoothing": EPS,
    "tolerance": TOL,
    "tolerance_log10": round(math.log10(TOL)),
    "n_cases": len(max_errors),
    "max_error": max(max_errors),
    "all_within_tolerance": max(max_errors) < TOL,
    "all_gradcheck": all(gradchecks),
    "case_names": case_names,
    "autograd_grads": autograd_grads,
}
