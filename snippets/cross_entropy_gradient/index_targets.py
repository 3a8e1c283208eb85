"""Class-index targets: the gradient of each reduction, against q - onehot(y)."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=max_abs_diff_sum_formula; the largest rounding gap between autograd and q - Y, which depends on the kernels' exp

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# Two samples (rows), C = 3 classes, one target class per sample.
logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]], device=DEVICE)
targets = torch.tensor([1, 2], device=DEVICE)
N, C = logits.shape


def grad_of(reduction):
    """d(loss)/d(logits) by autograd; for 'none', of the sum of the per-sample losses."""
    x = logits.clone().requires_grad_(True)
    loss = F.cross_entropy(x, targets, reduction=reduction)
    loss.sum().backward()  # a 0-d loss is its own sum
    return x.grad


# --8<-- [start:reductions]
q = torch.softmax(logits, dim=1)
Y = F.one_hot(targets, C).to(logits.dtype)
grad_mean, grad_sum, grad_none = grad_of("mean"), grad_of("sum"), grad_of("none")
print("q - Y:")
print(q - Y)
print("autograd, reduction='sum':")
print(grad_sum)
print("autograd, reduction='mean':")
print(grad_mean)
# Bit for bit here because N = 2: dividing by a power of two is exact.
print("'mean' is 'sum' divided by N:", torch.equal(grad_mean, grad_sum / N))
print("'none', summed, is 'sum':", torch.equal(grad_none, grad_sum))
# --8<-- [end:reductions]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "batch_size": N,
    "softmax": q.tolist(),
    "grad_sum": grad_sum.tolist(),
    "grad_mean": grad_mean.tolist(),
    "mean_is_sum_over_n": torch.equal(grad_mean, grad_sum / N),
    "none_is_sum": torch.equal(grad_none, grad_sum),
    "max_abs_diff_sum_formula": (grad_sum - (q - Y)).abs().max().item(),
}
