"""Class weights: what 'mean' divides by, for index and for probability targets."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=max_abs_diff_index,max_abs_diff_prob; the largest rounding gaps between autograd and the formulas, which depend on the kernels' exp

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]], device=DEVICE)
targets = torch.tensor([1, 2], device=DEVICE)
P = torch.tensor([[0.1, 0.8, 0.1],
                  [0.0, 0.3, 0.7]], device=DEVICE)
w = torch.tensor([1.0, 2.0, 0.5], device=DEVICE)  # one weight per class
N, C = logits.shape


def loss_and_grad(target):
    x = logits.clone().requires_grad_(True)
    loss = F.cross_entropy(x, target, weight=w)  # reduction='mean'
    loss.backward()
    return loss.detach(), x.grad


q = torch.softmax(logits, dim=1)
Y = F.one_hot(targets, C).to(logits.dtype)

# --8<-- [start:index]
# Index targets: sample i counts w[y_i] times, and 'mean' divides by the
# sum of the weights of the targets, W = sum_i w[y_i], not by N.
W = w[targets].sum()
loss_index, grad_index = loss_and_grad(targets)
print("W = sum_i w[y_i]       =", W.item())
print("autograd:")
print(grad_index)
print("w[y_i] (q_i - e_y_i) / W:")
print(w[targets].unsqueeze(1) * (q - Y) / W)
# --8<-- [end:index]

# --8<-- [start:probabilities]
# Probability targets: the loss of row i is -sum_j w_j p_ij log q_ij, and
# 'mean' divides by N. The gradient of row i is (s_i q_i - u_i) / N with
# u_i = w * p_i (elementwise) and s_i = sum_j u_ij.
loss_prob, grad_prob = loss_and_grad(P)
u = w * P
s = u.sum(dim=1, keepdim=True)
print("autograd:")
print(grad_prob)
print("(s_i q_i - u_i) / N:")
print((s * q - u) / N)
# --8<-- [end:probabilities]

# --8<-- [start:one_hot]
# The same targets written as one-hot probabilities take the other branch:
# the per-sample losses agree, but 'mean' divides by N instead of W.
loss_one_hot, grad_one_hot = loss_and_grad(Y)
print(f"index targets,   weight=w: {loss_index.item():.6f}")
print(f"one-hot targets, weight=w: {loss_one_hot.item():.6f}")
print(f"ratio                    : {(loss_index / loss_one_hot).item():.6f}")
print(f"N / W                    : {N / W.item():.6f}")
print("gradients in the same ratio:", torch.allclose(grad_index, grad_one_hot * N / W))
# --8<-- [end:one_hot]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "soft_targets": P.tolist(),
    "weight": w.tolist(),
    "batch_size": N,
    "total_weight": W.item(),
    "grad_index": grad_index.tolist(),
    "grad_prob": grad_prob.tolist(),
    "max_abs_diff_index": (grad_index - w[targets].unsqueeze(1) * (q - Y) / W).abs().max().item(),
    "max_abs_diff_prob": (grad_prob - (s * q - u) / N).abs().max().item(),
    "loss_index": loss_index.item(),
    "loss_one_hot": loss_one_hot.item(),
    "loss_ratio": (loss_index / loss_one_hot).item(),
    "grads_same_ratio": torch.allclose(grad_index, grad_one_hot * N / W),
}
