"""Where the bit-for-bit identity stops: CPU autocast to bfloat16."""
# snippet-engine: devices=cpu; it is about CPU autocast: torch.autocast("cpu", ...) and the CPU's lists of operators it casts

import torch
import torch.nn as nn

torch.manual_seed(0)

# The article's batch: two samples, three classes, one target class each.
logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]])
targets = torch.tensor([1, 2])


def one_call(z, y):
    return nn.CrossEntropyLoss()(z, y)


def two_calls(z, y):
    return nn.NLLLoss()(nn.LogSoftmax(dim=1)(z), y)


def name(dtype):
    return str(dtype).removeprefix("torch.")


# --8<-- [start:dtypes]
# Autocast decides per operator. Operators on its CPU lists cast their inputs
# first (linear layers to bfloat16, most losses to float32); every other
# operator runs in the dtype it is given.
layer = nn.Linear(4, 3)
features = torch.randn(2, 4)
with torch.autocast("cpu", dtype=torch.bfloat16):
    z = layer(features)
    steps = [
        ("nn.Linear output", z),
        ("nn.LogSoftmax(dim=1)", nn.LogSoftmax(dim=1)(z)),
        ("nn.NLLLoss on that", two_calls(z, targets)),
        ("nn.CrossEntropyLoss", one_call(z, targets)),
    ]
for step, result in steps:
    print(f"{step:<22}{name(result.dtype)}")
# --8<-- [end:dtypes]

# --8<-- [start:mismatch]
# The batch's logits in bfloat16, as an autocast linear layer would hand them
# to the loss. Outside autocast both ways compute in bfloat16; inside it,
# CrossEntropyLoss casts to float32 first, while LogSoftmax stays in bfloat16
# and only NLLLoss casts, after the rounding has happened.
z16 = logits.to(torch.bfloat16)
print(f"{'logits':<10}{'autocast':<10}{'one call':<19}{'two calls':<19}torch.equal")
cases = []
for z, autocast_on in [(z16, False), (z16, True), (logits, True)]:
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast_on):
        a, b = one_call(z, targets), two_calls(z, targets)
        log_probs = nn.LogSoftmax(dim=1)(z)
    cases.append((a, b, log_probs))
    print(f"{name(z.dtype):<10}{'on' if autocast_on else 'off':<10}"
          f"{a.item():.6f} {name(a.dtype):<10}{b.item():.6f} {name(b.dtype):<10}"
          f"{torch.equal(a, b)}")
# --8<-- [end:mismatch]

off, on, on32 = cases
VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "step_dtypes": [name(result.dtype) for _, result in steps],
    "bf16_logits": z16.float().tolist(),
    "off_one_call": off[0].item(),
    "off_two_calls": off[1].item(),
    "off_equal": torch.equal(off[0], off[1]),
    "on_one_call": on[0].item(),
    "on_two_calls": on[1].item(),
    "on_equal": torch.equal(on[0], on[1]),
    "on_one_call_dtype": name(on[0].dtype),
    "on_log_probs_dtype": name(on[2].dtype),
    "on_log_probs": on[2].float().tolist(),
    "on32_equal": torch.equal(on32[0], on32[1]),
}
