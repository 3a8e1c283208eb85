"""How the weight of one class moves the 'mean' loss, for index and for probability targets."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0],
                       [2.0, 0.3, -1.0],
                       [0.5, 1.5, 0.2]], device=DEVICE)
targets = torch.tensor([1, 2, 0, 0], device=DEVICE)
N, C = logits.shape
one_hot = F.one_hot(targets, C).float()
# The weight of class 0 from 1/16 to 16, the other two classes keep weight 1.
w0_values = [2.0 ** k for k in range(-4, 5)]

# --8<-- [start:sweep]
index_means, prob_means = [], []
print(f"{'w0':>7} {'index mean':>11} {'prob. mean':>11}")
for w0 in w0_values:
    weight = torch.tensor([w0, 1.0, 1.0], device=DEVICE)
    index_means.append(F.cross_entropy(logits, targets, weight=weight).item())
    prob_means.append(F.cross_entropy(logits, one_hot, weight=weight).item())
    print(f"{w0:7.4g} {index_means[-1]:11.4f} {prob_means[-1]:11.4f}")
# The index 'mean' is a weighted average of per-sample losses, so it stays
# between the average over class 0 and the average over the other classes.
per_sample = F.cross_entropy(logits, targets, reduction="none")
class0 = targets == 0
print("plain mean loss of the class-0 samples:", f"{per_sample[class0].mean().item():.4f}")
print("plain mean loss of the other samples  :", f"{per_sample[~class0].mean().item():.4f}")
# --8<-- [end:sweep]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "w0": w0_values,
    "index_means": index_means,
    "prob_means": prob_means,
    "class0_mean": per_sample[class0].mean().item(),
    "others_mean": per_sample[~class0].mean().item(),
}
