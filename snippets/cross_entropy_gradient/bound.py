"""How large can the gradient get? Bounded entries, however wrong the model is."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

target = torch.tensor([0], device=DEVICE)
margins = [1.0, 10.0, 100.0, 1000.0]

# --8<-- [start:saturation]
# The model prefers class 1 over the target, class 0, by a growing margin m.
print(f"{'m':>7} {'loss':>10}   gradient")
losses, grads = [], []
for m in margins:
    x = torch.tensor([[0.0, m, 0.0]], device=DEVICE, requires_grad=True)
    loss = F.cross_entropy(x, target)
    loss.backward()
    losses.append(loss.item())
    grads.append(x.grad[0].tolist())
    print(f"{m:>7g} {loss.item():>10.4f}  ", "  ".join(f"{g:+.4f}" for g in x.grad[0].tolist()))
# --8<-- [end:saturation]

# --8<-- [start:norms]
# For one sample, |q - e_y| sums to 2 (1 - q_y): the target entry is q_y - 1
# and the others add up to 1 - q_y.
z = torch.tensor([1.0, 2.0, 0.5], device=DEVICE, requires_grad=True)
y = 1
F.cross_entropy(z, torch.tensor(y, device=DEVICE)).backward()
q_y = torch.softmax(z.detach(), dim=0)[y]
print(f"1 - q_y              = {1 - q_y.item():.4f}")
print(f"sum_k |dl/dz_k|      = {z.grad.abs().sum().item():.4f}")
print(f"largest |dl/dz_k|    = {z.grad.abs().max().item():.4f}")
# --8<-- [end:norms]

VALUES = {
    "margins": margins,
    "losses": losses,
    "grads": grads,
    "worked_logits": z.detach().tolist(),
    "worked_target": y,
    "one_minus_q_y": 1 - q_y.item(),
    "l1_norm": z.grad.abs().sum().item(),
    "max_abs": z.grad.abs().max().item(),
}
