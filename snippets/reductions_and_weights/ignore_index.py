"""ignore_index: a target that is skipped by the loss, its denominator and its gradient."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0],
                       [2.0, 0.3, -1.0],
                       [0.5, 1.5, 0.2]], device=DEVICE)
weight = torch.tensor([2.0, 1.0, 0.5], device=DEVICE)
IGNORE = -100  # the default ignore_index of F.cross_entropy and nn.CrossEntropyLoss
# The same targets as before, except that the third sample has no label.
targets = torch.tensor([1, 2, IGNORE, 0], device=DEVICE)

# --8<-- [start:skip]
kept = targets != IGNORE
per_sample = F.cross_entropy(logits, targets, reduction="none")
mean = F.cross_entropy(logits, targets)
print("targets              :", targets)
print("'none'               :", per_sample)
print("'mean'               :", f"{mean.item():.6f}")
print(f"'sum' / {kept.sum().item()} kept targets:",
      f"{(per_sample.sum() / kept.sum()).item():.6f}")

w_mean = F.cross_entropy(logits, targets, weight=weight)
mass = weight[targets[kept]].sum()  # weights of the kept targets only
print("weighted 'mean'      :", f"{w_mean.item():.6f}")
print(f"weighted 'sum' / {mass.item():g}  :",
      f"{(F.cross_entropy(logits, targets, weight=weight, reduction='sum') / mass).item():.6f}")
# --8<-- [end:skip]

# --8<-- [start:gradient]
z = logits.clone().requires_grad_(True)
F.cross_entropy(z, targets, weight=weight).backward()
print("gradient of the weighted 'mean' loss:")
print(z.grad)
print("row of the ignored sample is all zero:", bool((z.grad[~kept] == 0).all()))
# --8<-- [end:gradient]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "weight": weight.tolist(),
    "ignore_index": IGNORE,
    "n_kept": kept.sum().item(),
    "per_sample": per_sample.tolist(),
    "mean": mean.item(),
    "w_mass": mass.item(),
    "w_mean": w_mean.item(),
    "grad": z.grad.tolist(),
    "ignored_row_zero": bool((z.grad[~kept] == 0).all()),
}
