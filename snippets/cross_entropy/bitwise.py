"""Bit-for-bit comparison of the two ways, for the loss and for its gradient."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=grid,device; the first line and VALUES name the device the run used

import itertools

import torch
import torch.nn as nn

# --8<-- [start:grid]
# Random inputs below, but the same ones on every run.
torch.manual_seed(0)

# Logit shapes: unbatched (C,), batched (N, C), and the "K-dimensional" forms
# (N, C, d1) and (N, C, d1, d2) used for sequences and images. Targets drop
# the class dimension (dim 0 when unbatched, dim 1 otherwise).
DEVICE = "cpu"  # the only device this site runs; autocast stays off
SHAPES = [(5,), (4, 5), (64, 10), (2, 3, 7), (2, 4, 3, 5)]
DTYPES = [torch.float32, torch.float64, torch.bfloat16, torch.float16]
REDUCTIONS = ["mean", "sum", "none"]


# Integer dtypes of the same width, to compare raw bit patterns: unlike
# torch.equal on floats, this also tells +0.0 from -0.0 and compares NaNs.
SAME_WIDTH_INT = {torch.float32: torch.int32, torch.float64: torch.int64,
                  torch.bfloat16: torch.int16, torch.float16: torch.int16}


def same_bits(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    int_dtype = SAME_WIDTH_INT[a.dtype]
    return torch.equal(a.view(int_dtype), b.view(int_dtype))


def loss_and_grad(fn, logits, targets, upstream):
    """Loss value and d(loss)/d(logits), with `upstream` as the output gradient."""
    x = logits.clone().requires_grad_(True)
    loss = fn(x, targets)
    (grad,) = torch.autograd.grad(loss, x, grad_outputs=upstream)
    return loss.detach(), grad


def compare(shape, dtype, reduction):
    class_dim = 0 if len(shape) == 1 else 1
    num_classes = shape[class_dim]
    target_shape = shape[:class_dim] + shape[class_dim + 1:]
    logits = (3 * torch.randn(shape)).to(device=DEVICE, dtype=dtype)
    targets = torch.randint(num_classes, target_shape).to(DEVICE)

    one_call = nn.CrossEntropyLoss(reduction=reduction)
    log_softmax = nn.LogSoftmax(dim=class_dim)
    nll = nn.NLLLoss(reduction=reduction)

    def two_calls(x, t):
        return nll(log_softmax(x), t)

    out_shape = one_call(logits, targets).shape
    # A random (not all-ones) output gradient, the same for both ways, so the
    # backward pass is exercised with arbitrary values.
    upstream = torch.randn(out_shape).to(device=DEVICE, dtype=dtype)
    loss_a, grad_a = loss_and_grad(one_call, logits, targets, upstream)
    loss_b, grad_b = loss_and_grad(two_calls, logits, targets, upstream)
    return same_bits(loss_a, loss_b), same_bits(grad_a, grad_b)


autocast = torch.is_autocast_enabled(DEVICE)
print(f"{len(SHAPES)} shapes x {len(DTYPES)} dtypes x {len(REDUCTIONS)} reductions"
      f" = {len(SHAPES) * len(DTYPES) * len(REDUCTIONS)} cases,"
      f" on {DEVICE}, autocast {'on' if autocast else 'off'}")
# --8<-- [end:grid]

# --8<-- [start:table]
results = {}
for shape, dtype in itertools.product(SHAPES, DTYPES):
    for reduction in REDUCTIONS:
        results[shape, dtype, reduction] = compare(shape, dtype, reduction)

print("cell = loss bits equal / gradient bits equal")
header = f"{'logits shape':<15}{'dtype':<11}" + "".join(f"{r:<11}" for r in REDUCTIONS)
print(header.rstrip())
for shape, dtype in itertools.product(SHAPES, DTYPES):
    cells = []
    for reduction in REDUCTIONS:
        loss_ok, grad_ok = results[shape, dtype, reduction]
        cells.append(f"{'yes' if loss_ok else 'NO'}/{'yes' if grad_ok else 'NO'}")
    name = str(dtype).removeprefix("torch.")
    row = f"{str(shape):<15}{name:<11}" + "".join(f"{c:<11}" for c in cells)
    print(row.rstrip())

n_cases = len(results)
n_identical = sum(loss_ok and grad_ok for loss_ok, grad_ok in results.values())
print(f"{n_identical} of {n_cases} cases identical in loss and gradient")
# --8<-- [end:table]

VALUES = {
    "device": DEVICE,
    "autocast": autocast,
    "n_shapes": len(SHAPES),
    "n_dtypes": len(DTYPES),
    "n_reductions": len(REDUCTIONS),
    "n_cases": n_cases,
    "n_identical": n_identical,
    "all_identical": n_identical == n_cases,
}
