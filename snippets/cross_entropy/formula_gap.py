"""How far the formula z - logsumexp(z) lands from the log_softmax kernel in float32."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=sweep,largest_gap_at_scale_10,largest_relative; each number is the largest rounding gap over 1,000 random rows, and which row rounds worst depends on how the kernels vectorise log_softmax and logsumexp

import torch

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# --8<-- [start:sweep]
# Random float32 logits, ROWS samples of C classes, entries scale * N(0, 1),
# the same ones on every run.
torch.manual_seed(0)
SCALES = [1, 10, 100, 1000]
CLASSES = [3, 10, 1000]
ROWS = 1000
EPS = torch.finfo(torch.float32).eps  # 2**-23, one unit in the last place at 1.0

# The absolute gap grows with the logits. Measured against the size of the
# numbers involved, eps * max(|z_j|, |logsumexp(z)|), it does not.
print(f"{'scale':>6}{'C':>6}  {'largest |gap|':>13}  {'in eps x max(|z_j|, |LSE|)':>26}")
largest_gap, largest_relative = {}, 0.0
for scale in SCALES:
    for num_classes in CLASSES:
        z = (scale * torch.randn(ROWS, num_classes)).to(DEVICE)
        lse = torch.logsumexp(z, dim=1, keepdim=True)
        gap = (torch.log_softmax(z, dim=1) - (z - lse)).abs()
        relative = gap / (EPS * torch.maximum(z.abs(), lse.abs()))
        largest_gap[scale] = max(largest_gap.get(scale, 0.0), gap.max().item())
        largest_relative = max(largest_relative, relative.max().item())
        print(f"{scale:>6}{num_classes:>6}  {gap.max().item():>13.2e}  {relative.max().item():>26.2f}")
print(f"largest over the sweep: {largest_relative:.2f} eps x max(|z_j|, |LSE|)")
# --8<-- [end:sweep]

VALUES = {
    "scales": SCALES,
    "classes": CLASSES,
    "rows": ROWS,
    "largest_gap_at_scale_10": largest_gap[10],
    "largest_relative": largest_relative,
}
