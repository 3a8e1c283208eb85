"""The same labels as class indices and as one-hot probabilities: same 'none' and 'sum', different 'mean'."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0],
                       [2.0, 0.3, -1.0],
                       [0.5, 1.5, 0.2]], device=DEVICE)
targets = torch.tensor([1, 2, 0, 0], device=DEVICE)
weight = torch.tensor([2.0, 1.0, 0.5], device=DEVICE)
N, C = logits.shape

# --8<-- [start:compare]
# Probability targets: the target has the logits' shape and a floating dtype.
one_hot = F.one_hot(targets, C).float()
for reduction in ("none", "sum", "mean"):
    by_index = F.cross_entropy(logits, targets, weight=weight, reduction=reduction)
    by_prob = F.cross_entropy(logits, one_hot, weight=weight, reduction=reduction)
    print(f"{reduction!r:7} index targets:", by_index.detach())
    print(f"{'':7} prob. targets:", by_prob.detach())
index_mean = F.cross_entropy(logits, targets, weight=weight)
prob_mean = F.cross_entropy(logits, one_hot, weight=weight)
# --8<-- [end:compare]

# --8<-- [start:denominators]
total = F.cross_entropy(logits, targets, weight=weight, reduction="sum")
weight_mass = weight[targets].sum()  # index targets divide by this ...
print("sum of w[y_i]        :", f"{weight_mass.item():g}")
print("'sum' / sum of w[y_i]:", f"{(total / weight_mass).item():.6f}", "= index 'mean'")
print(f"'sum' / N, N = {N}    :", f"{(total / N).item():.6f}", "= probability 'mean'")
print("ratio of the two means:", f"{(prob_mean / index_mean).item():.6f}")
# --8<-- [end:denominators]

# --8<-- [start:convert]
# Either 'mean' from the other kind of target:
# the index-style mean from probability targets (weight mass of each row) ...
row_mass = (one_hot * weight).sum(dim=1)
index_style = F.cross_entropy(logits, one_hot, weight=weight, reduction="sum") / row_mass.sum()
# ... and the probability-style mean from index targets.
prob_style = F.cross_entropy(logits, targets, weight=weight, reduction="sum") / N
print("index-style mean from probability targets:", f"{index_style.item():.6f}")
print("probability-style mean from index targets:", f"{prob_style.item():.6f}")
# --8<-- [end:convert]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "weight": weight.tolist(),
    "batch_size": N,
    "none_equal": torch.equal(
        F.cross_entropy(logits, targets, weight=weight, reduction="none"),
        F.cross_entropy(logits, one_hot, weight=weight, reduction="none")),
    "sum_index": total.item(),
    "sum_prob": F.cross_entropy(logits, one_hot, weight=weight, reduction="sum").item(),
    "weight_mass": weight_mass.item(),
    "index_mean": index_mean.item(),
    "prob_mean": prob_mean.item(),
    "ratio": (prob_mean / index_mean).item(),
    "index_style_from_prob": index_style.item(),
    "prob_style_from_index": prob_style.item(),
}
