"""A data set in batches: the mean of per-batch means against the data set's own mean."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=mean_of_means,rel_error,accumulated; float64 sums of float32 batch losses, in which one float32 ulp of a batch loss is millions of float64 ulps

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

N_DATA, C, BATCH = 1000, 4, 64
IGNORE = -100
weight = torch.tensor([1.0, 2.0, 5.0, 10.0], device=DEVICE)  # rarer classes weigh more
BOOST = [3.0, 2.0, 1.0, 0.5]  # how far the true class's logit is raised
UNLABELLED_ONE_IN = 20  # about one sample in 20 has no label


def pseudo_random(seed):
    """A linear congruential generator: integers that any language can reproduce."""
    x = seed
    while True:
        x = (1103515245 * x + 12345) % 2**31
        yield x


# --8<-- [start:data]
# A classifier's logits on a labelled data set: 4 imbalanced classes (about
# 60/25/10/5 %), the rare ones predicted worse, 1 sample in 20 unlabelled.
draw = pseudo_random(2024)
rows, labels, targets = [], [], []
for _ in range(N_DATA):
    u = next(draw) % 100
    y = 0 if u < 60 else 1 if u < 85 else 2 if u < 95 else 3
    row = [(next(draw) % 257) / 64 - 2 for _ in range(C)]  # multiples of 1/64 in [-2, 2]
    row[y] += BOOST[y]
    rows.append(row)
    labels.append(y)
    targets.append(IGNORE if next(draw) % UNLABELLED_ONE_IN == 0 else y)
logits = torch.tensor(rows, device=DEVICE)
labels, targets = torch.tensor(labels, device=DEVICE), torch.tensor(targets, device=DEVICE)
n_batches = -(-N_DATA // BATCH)
print(f"{N_DATA} samples in {n_batches} batches of {BATCH}, the last of {N_DATA - (n_batches - 1) * BATCH}")
print("labelled samples per class:", torch.bincount(targets[targets != IGNORE], minlength=C).tolist())
# --8<-- [end:data]

# --8<-- [start:compare]
cases = {  # name: (targets, weight)
    "no weight, no ignore_index": (labels, None),
    "no weight, ignore_index": (targets, None),
    "weight, ignore_index": (targets, weight),
}
results = {}
for name, (y, w) in cases.items():
    whole = F.cross_entropy(logits, y, weight=w).item()
    mean_of_means = 0.0
    for start in range(0, N_DATA, BATCH):
        mean_of_means += F.cross_entropy(logits[start:start + BATCH], y[start:start + BATCH],
                                         weight=w).item()
    mean_of_means /= n_batches
    results[name] = (whole, mean_of_means, mean_of_means / whole - 1)
print(f"{'':27} {'data set':>9} {'mean of means':>14} {'rel. error':>11}")
for name, (whole, mean_of_means, error) in results.items():
    print(f"{name:27} {whole:9.6f} {mean_of_means:14.6f} {error:11.2%}")
# --8<-- [end:compare]

# --8<-- [start:accumulate]
# Correct: add up the numerators and the denominators, divide once at the end.
total, mass = 0.0, 0.0
for start in range(0, N_DATA, BATCH):
    y = targets[start:start + BATCH]
    z = logits[start:start + BATCH]
    total += F.cross_entropy(z, y, weight=weight, reduction="sum").item()
    mass += weight[y[y != IGNORE]].sum().item()
accumulated = total / mass
print("accumulated sum / accumulated weight mass:", f"{accumulated:.6f}")
print("the whole data set in one call           :",
      f"{F.cross_entropy(logits, targets, weight=weight).item():.6f}")
# --8<-- [end:accumulate]

VALUES = {
    "n_data": N_DATA,
    "n_classes": C,
    "batch_size": BATCH,
    "n_batches": n_batches,
    "last_batch": N_DATA - (n_batches - 1) * BATCH,
    "weight": weight.tolist(),
    "boost": BOOST,
    "unlabelled_one_in": UNLABELLED_ONE_IN,
    "class_counts": torch.bincount(targets[targets != IGNORE], minlength=C).tolist(),
    "n_ignored": int((targets == IGNORE).sum()),
    "whole": [r[0] for r in results.values()],
    "mean_of_means": [r[1] for r in results.values()],
    "rel_error": [r[2] for r in results.values()],
    "accumulated": accumulated,
}
