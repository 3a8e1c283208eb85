"""The decomposition on a batch of two samples, then both APIs side by side."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn as nn

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# Two samples (rows), three classes (columns); one target class per sample.
logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]], device=DEVICE)
targets = torch.tensor([1, 2], device=DEVICE)
N = logits.shape[0]

# --8<-- [start:log_softmax]
# One log-normaliser per row: log sum_k exp(z_ik), reduced over the class dim.
lse = torch.logsumexp(logits, dim=1)
# Subtracting it from every logit of that row gives the log-probabilities.
log_probs_by_formula = logits - lse.unsqueeze(1)
log_probs = nn.LogSoftmax(dim=1)(logits)
print("logsumexp per row:", lse)
print("z - logsumexp(z):")
print(log_probs_by_formula)
print("nn.LogSoftmax(dim=1):")
print(log_probs)
# The kernel rounds in a different order than this two-line formula, so the
# last bits may differ. No fixed tolerance such as 1e-6 fits every input: the
# gap grows with the size of the numbers, so compare against float32's eps
# times max(|z_j|, logsumexp). K = 4 covered every case of the sweep in the
# bit-for-bit section (logits up to 1000 in size, up to 1000 classes).
K = 4
eps = torch.finfo(logits.dtype).eps
size = torch.maximum(logits.abs(), lse.abs().unsqueeze(1))
within = bool(((log_probs - log_probs_by_formula).abs() <= K * eps * size).all())
print(f"agree within {K} eps x max(|z_j|, logsumexp):", within)
# --8<-- [end:log_softmax]

# --8<-- [start:nll]
# NLLLoss does three things: pick log p[i, y_i] in each row, negate, average.
picked = log_probs[torch.arange(N), targets]
nll_by_hand = -picked.mean()
nll = nn.NLLLoss()(log_probs, targets)
print("picked log p[i, y_i]:", picked)
print("-mean(picked)       :", f"{nll_by_hand.item():.6f}")
print("nn.NLLLoss          :", f"{nll.item():.6f}")
# --8<-- [end:nll]

# --8<-- [start:both_ways]
ce_loss = nn.CrossEntropyLoss()(logits, targets)
two_step_loss = nn.NLLLoss()(nn.LogSoftmax(dim=1)(logits), targets)
print("nn.CrossEntropyLoss()(z, y)              :", f"{ce_loss.item():.6f}")
print("nn.NLLLoss()(nn.LogSoftmax(dim=1)(z), y) :", f"{two_step_loss.item():.6f}")
print("torch.equal:", torch.equal(ce_loss, two_step_loss))
# --8<-- [end:both_ways]

# --8<-- [start:per_sample]
# reduction='none' keeps one loss per sample instead of averaging them.
ce_per_sample = nn.CrossEntropyLoss(reduction="none")(logits, targets)
two_step_per_sample = nn.NLLLoss(reduction="none")(
    nn.LogSoftmax(dim=1)(logits), targets)
print("CrossEntropyLoss(reduction='none')      :", ce_per_sample)
print("NLLLoss(reduction='none') on LogSoftmax :", two_step_per_sample)
print("torch.equal:", torch.equal(ce_per_sample, two_step_per_sample))
print("mean of per-sample losses:", f"{ce_per_sample.mean().item():.6f}")
# --8<-- [end:per_sample]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "batch_size": N,
    "logsumexp": lse.tolist(),
    "log_probs": log_probs.tolist(),
    "formula_bound_k": K,
    "formula_within_bound": within,
    "picked": picked.tolist(),
    "nll_loss": nll.item(),
    "ce_loss": ce_loss.item(),
    "two_step_loss": two_step_loss.item(),
    "losses_equal": torch.equal(ce_loss, two_step_loss),
    "ce_per_sample": ce_per_sample.tolist(),
    "two_step_per_sample": two_step_per_sample.tolist(),
    "per_sample_equal": torch.equal(ce_per_sample, two_step_per_sample),
}
