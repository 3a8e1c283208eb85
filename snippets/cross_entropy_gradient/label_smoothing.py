"""Label smoothing: the gradient without and with class weights, as PyTorch computes it."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=max_abs_diff_plain,max_abs_diff_weighted; the largest rounding gaps between autograd and the formulas, which depend on the kernels' exp

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]], device=DEVICE)
targets = torch.tensor([1, 2], device=DEVICE)
w = torch.tensor([1.0, 2.0, 0.5], device=DEVICE)
eps = 0.1
N, C = logits.shape


def loss_and_grad(target, weight=None, label_smoothing=0.0, reduction="mean"):
    x = logits.clone().requires_grad_(True)
    loss = F.cross_entropy(x, target, weight=weight, reduction=reduction,
                           label_smoothing=label_smoothing)
    loss.sum().backward()  # for 'none': the gradient of the sum of the per-sample losses
    return loss.detach(), x.grad


q = torch.softmax(logits, dim=1)
Y = F.one_hot(targets, C).to(logits.dtype)
smoothed = (1 - eps) * Y + eps / C  # the smoothed target distribution

# --8<-- [start:plain]
_, grad = loss_and_grad(targets, label_smoothing=eps)
print("smoothed targets:")
print(smoothed)
print("autograd:")
print(grad)
print("(q - smoothed) / N:")
print((q - smoothed) / N)
# --8<-- [end:plain]

# --8<-- [start:weighted]
# With weights, LossNLL.cpp adds (1 - eps) * (weighted NLL) and
# (eps / C) * (-sum_j w_j log q_ij), and 'mean' divides both by W = sum_i w[y_i].
W = w[targets].sum()
_, grad_w = loss_and_grad(targets, weight=w, label_smoothing=eps)
by_formula = ((1 - eps) * w[targets].unsqueeze(1) * (q - Y)
              + (eps / C) * (w.sum() * q - w)) / W
print("autograd:")
print(grad_w)
print("[(1 - eps) w_y (q - e_y) + (eps / C)(q sum(w) - w)] / W:")
print(by_formula)
# --8<-- [end:weighted]

# --8<-- [start:versus_probabilities]
# The smoothed distribution passed as probabilities gives the same loss per
# sample, but its 'mean' divides by N, not by W.
for reduction in ("none", "mean"):
    by_index, _ = loss_and_grad(targets, w, eps, reduction)
    by_probs, _ = loss_and_grad(smoothed, w, 0.0, reduction)
    print(f"{reduction:>4}: label_smoothing={eps}     :", [f"{v:.5f}" for v in by_index.flatten().tolist()])
    print(f"{'':>4}  smoothed probabilities:", [f"{v:.5f}" for v in by_probs.flatten().tolist()])
# --8<-- [end:versus_probabilities]

loss_ls_none, _ = loss_and_grad(targets, w, eps, "none")
loss_probs_none, _ = loss_and_grad(smoothed, w, 0.0, "none")
loss_ls_mean, _ = loss_and_grad(targets, w, eps, "mean")
loss_probs_mean, _ = loss_and_grad(smoothed, w, 0.0, "mean")

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "weight": w.tolist(),
    "label_smoothing": eps,
    "smoothed": smoothed.tolist(),
    "grad_plain": grad.tolist(),
    "grad_weighted": grad_w.tolist(),
    "max_abs_diff_plain": (grad - (q - smoothed) / N).abs().max().item(),
    "max_abs_diff_weighted": (grad_w - by_formula).abs().max().item(),
    "loss_index_none": loss_ls_none.tolist(),
    "loss_probs_none": loss_probs_none.tolist(),
    "loss_index_mean": loss_ls_mean.item(),
    "loss_probs_mean": loss_probs_mean.item(),
}
