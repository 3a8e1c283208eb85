"""The denominator PyTorch keeps: nll_loss_forward returns it as a second output."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F
from torch.nn import _reduction

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0],
                       [2.0, 0.3, -1.0],
                       [0.5, 1.5, 0.2]], device=DEVICE)
weight = torch.tensor([2.0, 1.0, 0.5], device=DEVICE)
IGNORE = -100

# --8<-- [start:total_weight]
MEAN = _reduction.get_enum("mean")  # the integer the C++ operators receive
print("reduction enum: none, mean, sum ->",
      [_reduction.get_enum(r) for r in ("none", "mean", "sum")])
log_probs = F.log_softmax(logits, dim=1)
total_weights = []
for targets, w in ((torch.tensor([1, 2, 0, 0], device=DEVICE), None),
                   (torch.tensor([1, 2, 0, 0], device=DEVICE), weight),
                   (torch.tensor([1, 2, IGNORE, 0], device=DEVICE), weight),
                   (torch.full((4,), IGNORE, device=DEVICE), weight)):
    output, total_weight = torch.ops.aten.nll_loss_forward(log_probs, targets, w, MEAN, IGNORE)
    total_weights.append(total_weight.item())
    print(f"targets {targets.tolist()}, weight {'yes' if w is not None else 'no '}:",
          f"output {output.item():.6f}, total_weight {total_weight.item():g}")
# --8<-- [end:total_weight]

# --8<-- [start:paths]
# The last node of the autograd graph tells which path a call took.
index_targets = torch.tensor([1, 2, 0, 0], device=DEVICE)
z = logits.clone().requires_grad_(True)
by_index = F.cross_entropy(z, index_targets, weight=weight)
by_prob = F.cross_entropy(z, F.one_hot(index_targets, 3).float(), weight=weight)
print("index targets      :", type(by_index.grad_fn).__name__)
print("probability targets:", type(by_prob.grad_fn).__name__)
# --8<-- [end:paths]

VALUES = {
    "enums": [_reduction.get_enum(r) for r in ("none", "mean", "sum")],
    "total_weights": total_weights,
    "index_grad_fn": type(by_index.grad_fn).__name__,
    "prob_grad_fn": type(by_prob.grad_fn).__name__,
}
