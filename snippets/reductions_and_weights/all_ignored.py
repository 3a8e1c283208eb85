"""A batch with nothing to average: NaN loss, a zero or a NaN gradient, and a guard."""
# snippet-engine: devices=cpu,cuda

import math

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0],
                       [2.0, 0.3, -1.0],
                       [0.5, 1.5, 0.2]], device=DEVICE)
weight = torch.tensor([2.0, 1.0, 0.5], device=DEVICE)
IGNORE = -100
labelled = torch.tensor([1, 2, 0, 0], device=DEVICE)
unlabelled = torch.full_like(labelled, IGNORE)  # e.g. a batch of padding only


def loss_and_grad(loss_fn, targets, **kwargs):
    """A loss on a fresh copy of the logits, and its gradient with respect to them."""
    z = logits.clone().requires_grad_(True)
    loss = loss_fn(z, targets, **kwargs)
    loss.backward()
    return loss.detach(), z.grad


# --8<-- [start:nan]
loss, grad = loss_and_grad(F.cross_entropy, unlabelled)
print("every target ignored")
print("  'mean':", loss.item())
print("  'sum' :", F.cross_entropy(logits, unlabelled, reduction="sum").item())
print("  'none':", F.cross_entropy(logits, unlabelled, reduction="none"))
print("  weighted 'mean':", F.cross_entropy(logits, unlabelled, weight=weight).item())
print("  gradient of 'mean':")
print(grad)
# The same 0 / 0 with every target labelled, when their classes have weight 0.
zero_weight = torch.zeros_like(weight)
zw_loss, zw_grad = loss_and_grad(F.cross_entropy, labelled, weight=zero_weight)
print("every weight 0")
print("  'mean':", zw_loss.item())
print("  gradient of 'mean':")
print(zw_grad)
# --8<-- [end:nan]

# --8<-- [start:spreads]
# A NaN loss also spoils whatever it is added to, e.g. the total logged per epoch.
running = 0.0
for targets in (labelled, unlabelled, labelled):
    running += F.cross_entropy(logits, targets).item()
print("running total of the three batch losses:", running)
# --8<-- [end:spreads]


# --8<-- [start:guard]
def cross_entropy_or_zero(logits, targets, weight=None, ignore_index=-100):
    """The 'mean' cross-entropy, or 0 with a zero gradient when the weight mass is 0."""
    total = F.cross_entropy(logits, targets, weight=weight,
                            ignore_index=ignore_index, reduction="sum")
    kept = targets != ignore_index
    mass = kept.sum() if weight is None else weight[targets[kept]].sum()
    # Divide by 1 instead of 0: no division by zero is ever made, so no NaN
    # reaches the loss or, through the backward pass, the gradient.
    return total / torch.where(mass > 0, mass, torch.ones_like(mass)).to(total.dtype)


g_loss, g_grad = loss_and_grad(cross_entropy_or_zero, unlabelled, weight=weight)
gz_loss, gz_grad = loss_and_grad(cross_entropy_or_zero, labelled, weight=zero_weight)
print("guarded, every target ignored:", g_loss.item(),
      "| gradient all zero:", bool((g_grad == 0).all()))
print("guarded, every weight 0      :", gz_loss.item(),
      "| gradient all zero:", bool((gz_grad == 0).all()))
print("guarded, ordinary batch      :",
      f"{cross_entropy_or_zero(logits, labelled, weight=weight).item():.6f}")
print("F.cross_entropy, same batch  :",
      f"{F.cross_entropy(logits, labelled, weight=weight).item():.6f}")


# Not a guard: torch.where returns 0, but the backward pass of total / mass
# still divides the zero gradient it receives by the mass, and 0 / 0 is NaN.
def where_guard(logits, targets, weight):
    total = F.cross_entropy(logits, targets, weight=weight, reduction="sum")
    mass = weight[targets].sum()
    return torch.where(mass > 0, total / mass, torch.zeros_like(total))


wg_loss, wg_grad = loss_and_grad(where_guard, labelled, weight=zero_weight)
print("torch.where, every weight 0  :", wg_loss.item(),
      "| gradient all NaN:", bool(wg_grad.isnan().all()))
# --8<-- [end:guard]

VALUES = {
    "logits": logits.tolist(),
    "ignore_index": IGNORE,
    "mean": str(loss.item()),
    "mean_is_nan": math.isnan(loss.item()),
    "sum": F.cross_entropy(logits, unlabelled, reduction="sum").item(),
    "weighted_mean": str(F.cross_entropy(logits, unlabelled, weight=weight).item()),
    "grad_all_zero": bool((grad == 0).all()),
    "zero_weight_mean": str(zw_loss.item()),
    "zero_weight_grad_all_nan": bool(zw_grad.isnan().all()),
    "running": str(running),
    "guarded_all_ignored": g_loss.item(),
    "guarded_all_ignored_grad_zero": bool((g_grad == 0).all()),
    "guarded_zero_weight": gz_loss.item(),
    "guarded_zero_weight_grad_zero": bool((gz_grad == 0).all()),
    "where_guard_loss": wg_loss.item(),
    "where_guard_grad_all_nan": bool(wg_grad.isnan().all()),
    "guarded_labelled": cross_entropy_or_zero(logits, labelled, weight=weight).item(),
    "labelled_mean": F.cross_entropy(logits, labelled, weight=weight).item(),
}
