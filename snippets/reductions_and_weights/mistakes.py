"""Common mistakes with weight, ignore_index and reduction, and the errors they raise."""
# snippet-engine: devices=cpu; its target 255 is an IndexError on the CPU, but on a GPU it trips a device-side assert in the nll_loss kernel, after which the process cannot use the GPU again

import torch
import torch.nn.functional as F

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0],
                       [2.0, 0.3, -1.0],
                       [0.5, 1.5, 0.2]])
targets = torch.tensor([1, 2, 0, 0])
weight = torch.tensor([2.0, 1.0, 0.5])


def error_of(call):
    """The first line of the error a call raises, with its type; None if it succeeds."""
    try:
        call()
    except (RuntimeError, IndexError, ValueError) as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return None


# --8<-- [start:errors]
VOID = 255  # the "no label" value of many segmentation data sets
with_void = targets.clone()
with_void[2] = VOID
mistakes = {
    "weight for 2 of 3 classes": lambda: F.cross_entropy(logits, targets, weight=weight[:2]),
    "float64 weight, float32 logits": lambda: F.cross_entropy(logits, targets, weight=weight.double()),
    f"target {VOID}, default ignore_index": lambda: F.cross_entropy(logits, with_void),
    "reduction='avg'": lambda: F.cross_entropy(logits, targets, reduction="avg"),
}
errors = {name: error_of(call) for name, call in mistakes.items()}
for name, error in errors.items():
    print(f"{name}:\n    {error}")
fixed = F.cross_entropy(logits, with_void, ignore_index=VOID)
print(f"target {VOID} with ignore_index={VOID}:", f"{fixed.item():.6f}")
# --8<-- [end:errors]

VALUES = {
    "void": VOID,
    "errors": list(errors.values()),
    "fixed": fixed.item(),
}
