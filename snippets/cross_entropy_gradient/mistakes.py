"""Common mistakes around the gradient of cross-entropy, each shown failing."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]], device=DEVICE)
targets = torch.tensor([1, 2], device=DEVICE)
N, C = logits.shape


def error_of(call):
    """The first line of the error a call raises, or None."""
    try:
        call()
    except (RuntimeError, ValueError) as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return None


# --8<-- [start:backward_none]
# reduction='none' returns one loss per sample; backward() needs a scalar.
x = logits.clone().requires_grad_(True)
per_sample = F.cross_entropy(x, targets, reduction="none")
none_error = error_of(lambda: per_sample.backward())
print("wrong:", none_error)
# Right: reduce first (or pass the upstream gradient explicitly).
per_sample.sum().backward()
print("right: per_sample.sum().backward() ->", x.grad)
# --8<-- [end:backward_none]

# --8<-- [start:missing_n]
# A hand-written gradient for the default reduction='mean' must divide by N.
x = logits.clone().requires_grad_(True)
F.cross_entropy(x, targets).backward()
q_minus_y = torch.softmax(logits, dim=1) - F.one_hot(targets, C)
print("wrong: q - Y     matches autograd:", torch.allclose(q_minus_y, x.grad))
print("right: (q - Y)/N matches autograd:", torch.allclose(q_minus_y / N, x.grad))
# --8<-- [end:missing_n]

# --8<-- [start:errors]
soft = torch.softmax(torch.randn(N, C, generator=torch.Generator().manual_seed(0)).to(DEVICE), dim=1)
errors = {
    "label_smoothing=1.5": error_of(
        lambda: F.cross_entropy(logits, targets, label_smoothing=1.5)),
    "probabilities with ignore_index=0": error_of(
        lambda: F.cross_entropy(logits, soft, ignore_index=0)),
    "weight of length C - 1": error_of(
        lambda: F.cross_entropy(logits, targets, weight=torch.ones(C - 1, device=DEVICE))),
}
for case, message in errors.items():
    print(f"{case}:\n    {message}")
# --8<-- [end:errors]

VALUES = {
    "none_backward_rejected": none_error is not None,
    "missing_n_matches": torch.allclose(q_minus_y, x.grad),
    "divided_by_n_matches": torch.allclose(q_minus_y / N, x.grad),
    "all_errors_raised": all(m is not None for m in errors.values()),
}
