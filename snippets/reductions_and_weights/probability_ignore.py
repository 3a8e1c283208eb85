"""ignore_index with probability targets: refused when it could match a class, inert otherwise."""
# snippet-engine: devices=cpu,cuda

import inspect

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
# The default ignore_index, read from the signature rather than typed.
DEFAULT_IGNORE = inspect.signature(F.cross_entropy).parameters["ignore_index"].default


def error_of(call):
    try:
        call()
    except RuntimeError as error:
        return str(error).splitlines()[0]
    return None


# --8<-- [start:refused]
# A non-negative ignore_index could name a class, and is refused.
for ignore_index in (0, 2):
    print(f"ignore_index={ignore_index}:",
          error_of(lambda: F.cross_entropy(logits, one_hot, ignore_index=ignore_index)))
# A negative one is accepted, and does nothing: no row of a float target equals it.
default = F.cross_entropy(logits, one_hot)
minus_one = F.cross_entropy(logits, one_hot, ignore_index=-1)
print(f"ignore_index={DEFAULT_IGNORE} (default):", f"{default.item():.6f}")
print("ignore_index=-1            :", f"{minus_one.item():.6f}")
# --8<-- [end:refused]

# --8<-- [start:zero_row]
# To leave a sample out, give it an all-zero target row: its loss and its
# gradient vanish, but 'mean' still divides by N.
skip = 2  # the row to leave out
masked = one_hot.clone()
masked[skip] = 0.0
z = logits.clone().requires_grad_(True)
loss_mean = F.cross_entropy(z, masked)
loss_mean.backward()
kept = masked.sum(dim=1) > 0
per_row = F.cross_entropy(logits, masked, reduction="none")
# (The left-out row prints as -0.0000: its products are -0.0, their sum is
# +0.0, and the loss is the negated sum.)
print("'none'               :", per_row)
print(f"'mean' (divides by N = {N}):", f"{loss_mean.item():.6f}")
print(f"'sum' / {kept.sum().item()} kept rows   :", f"{(per_row.sum() / kept.sum()).item():.6f}")
print(f"gradient row {skip} is all zero:", bool((z.grad[skip] == 0).all()))
# The index-target loss with ignore_index agrees with the second number.
index_targets = targets.clone()
index_targets[skip] = DEFAULT_IGNORE
print(f"index targets, ignore_index={DEFAULT_IGNORE}:", f"{F.cross_entropy(logits, index_targets).item():.6f}")
# --8<-- [end:zero_row]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "default_ignore_index": DEFAULT_IGNORE,
    "refused_0": error_of(lambda: F.cross_entropy(logits, one_hot, ignore_index=0)),
    "default_loss": default.item(),
    "minus_one_loss": minus_one.item(),
    "negative_is_inert": torch.equal(default, minus_one),
    "skip": skip,
    "batch_size": N,
    "n_kept": kept.sum().item(),
    "zero_row_mean": loss_mean.item(),
    "zero_row_kept_mean": (per_row.sum() / kept.sum()).item(),
    "zero_row_grad_zero": bool((z.grad[skip] == 0).all()),
    "index_ignore_mean": F.cross_entropy(logits, index_targets).item(),
}
