"""Cross-entropy between two distributions, and what a one-hot target does to it."""
# snippet-engine: devices=cpu,cuda

import torch

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# A predicted distribution q over three classes (already normalised).
q = torch.tensor([0.2, 0.5, 0.3], device=DEVICE)

# --8<-- [start:general]
# H(p, q) = -sum_j p_j log q_j for any target distribution p.
p_soft = torch.tensor([0.1, 0.7, 0.2], device=DEVICE)
h_soft = -(p_soft * torch.log(q)).sum()
print("q           =", q)
print("p (soft)    =", p_soft)
print("H(p, q)     =", f"{h_soft.item():.4f}")
# --8<-- [end:general]

# --8<-- [start:one_hot]
# With a one-hot p every term but the target's is multiplied by zero.
y = 1
p_one_hot = torch.nn.functional.one_hot(torch.tensor(y, device=DEVICE), num_classes=3).float()
h_one_hot = -(p_one_hot * torch.log(q)).sum()
minus_log_q_y = -torch.log(q[y])
print("p (one-hot) =", p_one_hot)
print("H(p, q)     =", f"{h_one_hot.item():.4f}")
print("-log q_y    =", f"{minus_log_q_y.item():.4f}")
print("identical   :", torch.equal(h_one_hot, minus_log_q_y))
# --8<-- [end:one_hot]

# --8<-- [start:batch_mean]
# A batch: one predicted distribution per row, one target class per row.
Q = torch.tensor([[0.2, 0.5, 0.3],
                  [0.6, 0.3, 0.1]], device=DEVICE)
ys = torch.tensor([1, 0], device=DEVICE)
per_sample = -torch.log(Q[torch.arange(len(ys)), ys])
batch_mean = per_sample.mean()
print("-log q_i,y_i per sample =", per_sample)
print("batch mean              =", f"{batch_mean.item():.4f}")
# --8<-- [end:batch_mean]

VALUES = {
    "q": q.tolist(),
    "p_soft": p_soft.tolist(),
    "h_soft": h_soft.item(),
    "target": y,
    "h_one_hot": h_one_hot.item(),
    "minus_log_q_y": minus_log_q_y.item(),
    "one_hot_identical": torch.equal(h_one_hot, minus_log_q_y),
    "batch_q": Q.tolist(),
    "batch_targets": ys.tolist(),
    "batch_per_sample": per_sample.tolist(),
    "batch_mean": batch_mean.item(),
}
