"""The three reductions on one batch, first without and then with class weights."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# Four samples (rows), three classes (columns). The first two rows are the
# batch of the cross-entropy article; the last two have target class 0.
logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0],
                       [2.0, 0.3, -1.0],
                       [0.5, 1.5, 0.2]], device=DEVICE)
targets = torch.tensor([1, 2, 0, 0], device=DEVICE)
# One weight per class: class 0 counts double, class 2 half.
weight = torch.tensor([2.0, 1.0, 0.5], device=DEVICE)
N = logits.shape[0]

# --8<-- [start:plain]
per_sample = F.cross_entropy(logits, targets, reduction="none")
total = F.cross_entropy(logits, targets, reduction="sum")
mean = F.cross_entropy(logits, targets, reduction="mean")
print("'none':", per_sample)
print("'sum' :", f"{total.item():.6f}")
print("'mean':", f"{mean.item():.6f}")
print(f"'sum' / N with N = {N}:", f"{(total / N).item():.6f}")
# --8<-- [end:plain]

# --8<-- [start:weighted]
w_none = F.cross_entropy(logits, targets, weight=weight, reduction="none")
w_sum = F.cross_entropy(logits, targets, weight=weight, reduction="sum")
w_mean = F.cross_entropy(logits, targets, weight=weight, reduction="mean")
w_of_target = weight[targets]  # w[y_i]: the weight of each sample's target class
print("w[y_i]             :", w_of_target)
print("'none'             :", w_none)
print("w[y_i] * unweighted:", w_of_target * per_sample)
print("'sum'              :", f"{w_sum.item():.6f}")
print("'mean'             :", f"{w_mean.item():.6f}")
print(f"'sum' / sum_i w[y_i] = 'sum' / {w_of_target.sum().item():g}:",
      f"{(w_sum / w_of_target.sum()).item():.6f}")
# The mistake of issue #40560: averaging the weighted per-sample losses over N.
print("'none'.mean()      :", f"{w_none.mean().item():.6f}", "(divides by N: not 'mean')")
# --8<-- [end:weighted]

# --8<-- [start:scale]
# Only the ratios between weights matter to 'mean': ten times every weight
# multiplies numerator and denominator alike. 'sum' grows tenfold.
scaled = 10 * weight
print("weight * 10, 'mean':", f"{F.cross_entropy(logits, targets, weight=scaled).item():.6f}")
print("weight * 10, 'sum' :", f"{F.cross_entropy(logits, targets, weight=scaled, reduction='sum').item():.6f}")
# --8<-- [end:scale]

# --8<-- [start:one_sample]
# A batch of one sample: the weight is in the numerator and the denominator.
last = slice(N - 1, N)
alone = F.cross_entropy(logits[last], targets[last], weight=weight)
alone_unweighted = F.cross_entropy(logits[last], targets[last])
print(f"one sample of class {targets[-1].item()}, weight {weight[targets[-1]].item():g}:")
print("  weighted 'mean'  :", f"{alone.item():.6f}")
print("  unweighted 'mean':", f"{alone_unweighted.item():.6f}")
print("  weighted 'sum'   :",
      f"{F.cross_entropy(logits[last], targets[last], weight=weight, reduction='sum').item():.6f}")
# --8<-- [end:one_sample]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "weight": weight.tolist(),
    "batch_size": N,
    "per_sample": per_sample.tolist(),
    "sum": total.item(),
    "mean": mean.item(),
    "weight_of_target": w_of_target.tolist(),
    "weight_mass": w_of_target.sum().item(),
    "w_none": w_none.tolist(),
    "w_none_is_weight_times_loss": torch.equal(w_none, w_of_target * per_sample),
    "w_sum": w_sum.item(),
    "w_mean": w_mean.item(),
    "w_none_mean": w_none.mean().item(),
    "scaled_mean": F.cross_entropy(logits, targets, weight=scaled).item(),
    "scaled_sum": F.cross_entropy(logits, targets, weight=scaled, reduction="sum").item(),
    "alone": alone.item(),
    "alone_unweighted": alone_unweighted.item(),
}
