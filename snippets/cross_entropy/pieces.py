"""What each of the three modules takes and returns: shapes and dtypes."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn as nn

torch.manual_seed(0)
DEVICE = "cpu"  # "cuda" runs this snippet on a GPU


def describe(t):
    """A tensor's shape and dtype, e.g. '(4, 3) float32'."""
    return f"{tuple(t.shape)} {str(t.dtype).removeprefix('torch.')}"


# --8<-- [start:shapes]
N, C = 4, 3
logits = torch.randn(N, C).to(DEVICE)          # raw scores, any real numbers
targets = torch.randint(C, (N,)).to(DEVICE)    # class indices in [0, C), dtype int64

log_probs = nn.LogSoftmax(dim=1)(logits)  # dim=1 is the class dimension
rows = [
    ("LogSoftmax(dim=1)", describe(logits), "-", describe(log_probs)),
]
for reduction in ("mean", "sum", "none"):
    nll = nn.NLLLoss(reduction=reduction)(log_probs, targets)
    rows.append((f"NLLLoss('{reduction}')", describe(log_probs),
                 describe(targets), describe(nll)))
for reduction in ("mean", "sum", "none"):
    ce = nn.CrossEntropyLoss(reduction=reduction)(logits, targets)
    rows.append((f"CrossEntropyLoss('{reduction}')", describe(logits),
                 describe(targets), describe(ce)))

print(f"{'module':<26}{'input':<16}{'target':<14}output")
for name, inp, tgt, out in rows:
    print(f"{name:<26}{inp:<16}{tgt:<14}{out}")
# --8<-- [end:shapes]

# --8<-- [start:spatial]
# Dense prediction (e.g. one class per pixel): the class dimension stays at
# dim=1 and the targets drop it, so (N, C, d1) logits pair with (N, d1) targets.
d1 = 5
spatial_logits = torch.randn(N, C, d1).to(DEVICE)
spatial_targets = torch.randint(C, (N, d1)).to(DEVICE)
spatial_none = nn.CrossEntropyLoss(reduction="none")(spatial_logits, spatial_targets)
spatial_mean = nn.CrossEntropyLoss()(spatial_logits, spatial_targets)
print("logits :", describe(spatial_logits))
print("targets:", describe(spatial_targets))
print("reduction='none' ->", describe(spatial_none))
print("reduction='mean' ->", describe(spatial_mean),
      "(averaged over all N*d1 =", spatial_none.numel(), "positions)")
# --8<-- [end:spatial]

VALUES = {
    "log_softmax_shape": list(log_probs.shape),
    "ce_mean_shape": list(nn.CrossEntropyLoss()(logits, targets).shape),
    "ce_none_shape": list(nn.CrossEntropyLoss(reduction="none")(logits, targets).shape),
    "spatial_none_shape": list(spatial_none.shape),
    "spatial_positions": spatial_none.numel(),
    "spatial_mean_is_mean_of_none": torch.allclose(spatial_mean, spatial_none.mean()),
}
