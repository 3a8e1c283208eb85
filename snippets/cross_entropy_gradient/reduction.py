"""'mean' against 'sum' when training: how the batch size enters the gradient."""
# snippet-engine: devices=cpu,cuda

import numpy as np
import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# A linear classifier, logits = X W^T, starting from W = 0, on data labelled
# by a random linear "teacher". The inputs come from NumPy's seeded generator
# so that a check without PyTorch can rebuild them.
rng = np.random.default_rng(7)
D, C, N_MAX = 5, 3, 256
X_np = (2.0 * rng.random((N_MAX, D)) - 1.0).astype(np.float32)
teacher = 2.0 * rng.random((C, D)) - 1.0
X_all = torch.from_numpy(X_np).to(DEVICE)
y_all = torch.from_numpy((X_np.astype(np.float64) @ teacher.T).argmax(axis=1)).to(DEVICE)
W0 = torch.zeros(C, D, device=DEVICE)
BATCH_SIZES = [4, 32, 256]


def gradients(n, reduction):
    """d(loss)/dW and d(loss)/d(logits) on the first n samples."""
    W = W0.clone().requires_grad_(True)
    logits = X_all[:n] @ W.T
    logits.retain_grad()
    F.cross_entropy(logits, y_all[:n], reduction=reduction).backward()
    return W.grad, logits.grad


# --8<-- [start:batch_size]
print(f"{'N':>4} {'|dL/dW| mean':>13} {'|dL/dW| sum':>12} {'max |dL/dz| mean':>17}")
norm_mean, norm_sum, max_logit_grad_mean, sum_is_n_times_mean = [], [], [], []
for n in BATCH_SIZES:
    gW_mean, gz_mean = gradients(n, "mean")
    gW_sum, _ = gradients(n, "sum")
    norm_mean.append(torch.linalg.norm(gW_mean).item())
    norm_sum.append(torch.linalg.norm(gW_sum).item())
    max_logit_grad_mean.append(gz_mean.abs().max().item())
    # N is a power of two here, so scaling by 1/N is exact in float32.
    sum_is_n_times_mean.append(torch.equal(gW_sum, gW_mean * n))
    print(f"{n:>4} {norm_mean[-1]:>13.4f} {norm_sum[-1]:>12.4f} {max_logit_grad_mean[-1]:>17.4f}")
print("'sum' gradient is exactly N times the 'mean' one:", all(sum_is_n_times_mean))
# --8<-- [end:batch_size]

# --8<-- [start:adam]
# Adam's update, written out (default betas and eps): it divides the running
# mean of the gradient by the root of the running mean of its square, so a
# constant factor N in every gradient cancels, except against eps = 1e-8.
def train_adam(reduction, steps=5, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8):
    W = W0.clone()
    m, v = torch.zeros_like(W), torch.zeros_like(W)
    for step in range(1, steps + 1):
        Wg = W.clone().requires_grad_(True)
        F.cross_entropy(X_all @ Wg.T, y_all, reduction=reduction).backward()
        g = Wg.grad
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1 ** step), v / (1 - beta2 ** step)
        W = W - lr * m_hat / (v_hat.sqrt() + eps)
    return W


W_mean, W_sum = train_adam("mean"), train_adam("sum")
print("5 Adam steps, 'mean' and 'sum' end at the same weights (rtol 1e-5):",
      torch.allclose(W_mean, W_sum, rtol=1e-5, atol=0))
# --8<-- [end:adam]

VALUES = {
    "features": D,
    "classes": C,
    "batch_sizes": BATCH_SIZES,
    "norm_mean": norm_mean,
    "norm_sum": norm_sum,
    "max_logit_grad_mean": max_logit_grad_mean,
    "sum_is_n_times_mean": all(sum_is_n_times_mean),
    "adam_same": torch.allclose(W_mean, W_sum, rtol=1e-5, atol=0),
}
