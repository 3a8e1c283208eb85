"""Practical mistakes and options, each checked on the article's batch."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn as nn
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]], device=DEVICE)
targets = torch.tensor([1, 2], device=DEVICE)
C = logits.shape[1]

# --8<-- [start:softmax_first]
# Mistake: a softmax in the model *and* CrossEntropyLoss on top. The loss then
# applies log_softmax to values that are already probabilities in [0, 1].
right = logits.clone().requires_grad_(True)
wrong = logits.clone().requires_grad_(True)
loss_right = nn.CrossEntropyLoss()(right, targets)
loss_wrong = nn.CrossEntropyLoss()(torch.softmax(wrong, dim=1), targets)
loss_right.backward()
loss_wrong.backward()
print("CrossEntropyLoss(logits)          =", f"{loss_right.item():.4f}")
print("CrossEntropyLoss(softmax(logits)) =", f"{loss_wrong.item():.4f}")
print("gradient, logits          :", right.grad)
print("gradient, softmax first   :", wrong.grad)
# Inputs squeezed into [0, 1] can never make the loss small: even a perfect
# prediction (probability exactly 1 on the target) still gets a large loss.
perfect = F.one_hot(targets, C).float()
floor = nn.CrossEntropyLoss()(perfect, targets)
print("loss of a perfect prediction, softmax first:", f"{floor.item():.4f}")
# --8<-- [end:softmax_first]

# --8<-- [start:log_softmax_first]
# Feeding log-probabilities to CrossEntropyLoss is harmless for the value:
# log_softmax(log_softmax(z)) = log_softmax(z), since the rows of exp(log p)
# already sum to 1. It only costs a second, useless normalisation.
log_probs = F.log_softmax(logits, dim=1)
again = nn.CrossEntropyLoss()(log_probs, targets)
print("CrossEntropyLoss(log_softmax(z)) =", f"{again.item():.6f}")
print("NLLLoss(log_softmax(z))          =", f"{nn.NLLLoss()(log_probs, targets).item():.6f}")
# --8<-- [end:log_softmax_first]

# --8<-- [start:soft_targets]
# Only CrossEntropyLoss accepts class probabilities as the target (same shape
# as the logits, floating point). It then computes -sum_j p_j log q_j per row.
soft = torch.tensor([[0.1, 0.8, 0.1],
                     [0.0, 0.3, 0.7]], device=DEVICE)
loss_soft = nn.CrossEntropyLoss()(logits, soft)
by_formula = -(soft * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
print("CrossEntropyLoss(z, p)            =", f"{loss_soft.item():.6f}")
print("mean_i -sum_j p_ij log q_ij       =", f"{by_formula.item():.6f}")
# --8<-- [end:soft_targets]

# --8<-- [start:label_smoothing]
# label_smoothing=eps replaces the one-hot target by (1 - eps) * one_hot + eps / C.
eps = 0.1
loss_smooth = nn.CrossEntropyLoss(label_smoothing=eps)(logits, targets)
smoothed = (1 - eps) * F.one_hot(targets, C).float() + eps / C
loss_smooth_soft = nn.CrossEntropyLoss()(logits, smoothed)
print("smoothed targets:", smoothed)
print(f"CrossEntropyLoss(label_smoothing={eps:g}) =", f"{loss_smooth.item():.6f}")
print("CrossEntropyLoss(z, smoothed targets) =", f"{loss_smooth_soft.item():.6f}")
# --8<-- [end:label_smoothing]

# --8<-- [start:target_dtype]
# Class-index targets must be int64 (uint8 is also accepted); int32 is refused.
# A one-hot target has the logits' shape, so it is read as class
# probabilities, and those must be floating point.
def error_of(call):
    try:
        call()
    except RuntimeError as error:
        return str(error).splitlines()[0]
    return None


int32_error = error_of(lambda: nn.CrossEntropyLoss()(logits, targets.int()))
one_hot_error = error_of(lambda: nn.CrossEntropyLoss()(logits, F.one_hot(targets, C)))
print("int32 class indices   ->", int32_error)
print("int64 one-hot targets ->", one_hot_error)
print("float one-hot targets ->",
      f"{nn.CrossEntropyLoss()(logits, F.one_hot(targets, C).float()).item():.6f}",
      "(same as class indices:",
      f"{nn.CrossEntropyLoss()(logits, targets).item():.6f})")
# --8<-- [end:target_dtype]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "loss_right": loss_right.item(),
    "loss_softmax_first": loss_wrong.item(),
    "grad_right": right.grad.tolist(),
    "grad_softmax_first": wrong.grad.tolist(),
    "grad_abs_max_right": right.grad.abs().max().item(),
    "grad_abs_max_softmax_first": wrong.grad.abs().max().item(),
    "softmax_first_floor": floor.item(),
    "loss_log_softmax_first": again.item(),
    "log_softmax_first_close": torch.allclose(again, nn.NLLLoss()(log_probs, targets)),
    "soft_targets": soft.tolist(),
    "loss_soft_targets": loss_soft.item(),
    "soft_targets_close": torch.allclose(loss_soft, by_formula),
    "label_smoothing": eps,
    "loss_label_smoothing": loss_smooth.item(),
    "label_smoothing_close": torch.allclose(loss_smooth, loss_smooth_soft),
    "int32_targets_rejected": int32_error is not None,
    "long_one_hot_rejected": one_hot_error is not None,
}
