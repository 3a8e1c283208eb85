"""Data for the figure: each class's gradient as the target's logit moves."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# C = 3 classes, target y = 1. The other two logits stay at 1.0 and 0.0;
# the target's logit t sweeps from -8 to 8 in steps of 0.5.
y = 1
others = (1.0, 0.0)
t = (torch.arange(-16, 17) * 0.5).to(DEVICE)

# --8<-- [start:sweep]
logits = torch.stack([torch.full_like(t, others[0]), t, torch.full_like(t, others[1])], dim=1)
x = logits.clone().requires_grad_(True)
F.cross_entropy(x, torch.full((len(t),), y, device=DEVICE), reduction="sum").backward()
grad = x.grad  # row r: the gradient of sample r's own loss (rows do not interact)

# q_y = 1/2 where e^t equals e^1.0 + e^0.0, that is at t = logsumexp(others).
t_half = torch.logsumexp(torch.tensor(others, device=DEVICE), dim=0)
print(f"q_y = 1/2 at t = {t_half.item():.4f}")
print(f"{'t':>5} {'dl/dz_0':>9} {'dl/dz_1':>9} {'dl/dz_2':>9}")
for r in range(0, len(t), 4):
    print(f"{t[r].item():>5.1f}", " ".join(f"{g:>9.4f}" for g in grad[r].tolist()))
# --8<-- [end:sweep]

VALUES = {
    "target": y,
    "other_logits": list(others),
    "t": t.tolist(),
    "grad_0": grad[:, 0].tolist(),
    "grad_1": grad[:, 1].tolist(),
    "grad_2": grad[:, 2].tolist(),
    "t_half": t_half.item(),
}
