"""The gradient sums to zero on paper; in float32 it need not."""
# snippet-engine: devices=cpu,cuda

import math

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# Two classes, logits 20 apart; the target is the class the model already favours.
gap_logits = [[20.0, 0.0]]
target = torch.tensor([0], device=DEVICE)


def grad_and_log_probs(dtype):
    x = torch.tensor(gap_logits, dtype=dtype, device=DEVICE, requires_grad=True)
    F.cross_entropy(x, target).backward()
    return x.grad[0], F.log_softmax(x.detach(), dim=1)[0]


# --8<-- [start:float32]
grad32, log_probs32 = grad_and_log_probs(torch.float32)
print("log_softmax        :", log_probs32.tolist())
print("gradient           :", [f"{v:.6e}" for v in grad32.tolist()])
print("sum of the gradient:", f"{grad32.sum().item():.6e}")
print("target entry is exactly 0:", grad32[0].item() == 0.0)
# The float32 spacings next to 1 and the smallest normal float32, as powers of 2.
f32 = torch.finfo(torch.float32)
below_one32 = int(math.log2(f32.eps / 2))  # spacing of the floats just below 1
above_one32 = int(math.log2(f32.eps))  # spacing of the floats just above 1
tiny32 = int(math.log2(f32.tiny))  # the smallest normal float32
print(f"float32 spacing below 1: 2^{below_one32}, above 1: 2^{above_one32};"
      f" smallest normal: 2^{tiny32}")
# --8<-- [end:float32]

# --8<-- [start:float64]
grad64, log_probs64 = grad_and_log_probs(torch.float64)
print("log_softmax        :", [f"{v:.6e}" for v in log_probs64.tolist()])
print("gradient           :", [f"{v:.6e}" for v in grad64.tolist()])
print("target entry is exactly 0:", grad64[0].item() == 0.0)
f64 = torch.finfo(torch.float64)
below_one64 = int(math.log2(f64.eps / 2))
above_one64 = int(math.log2(f64.eps))
print(f"float64 spacing below 1: 2^{below_one64}, above 1: 2^{above_one64}")
# --8<-- [end:float64]

# --8<-- [start:threshold]
# From which gap d on is the target's gradient exactly 0? The kernel adds
# exp(-d) to 1; once exp(-d) is below half the spacing of floats at 1, the
# sum rounds to 1, log(1) = 0, and q_target = exp(0) = 1 exactly.
def first_gap_with_zero_target_gradient(dtype):
    for d in range(1, 60):
        x = torch.tensor([[float(d), 0.0]], dtype=dtype, device=DEVICE, requires_grad=True)
        F.cross_entropy(x, target).backward()
        if x.grad[0, 0].item() == 0.0:
            return d
    return None


first32 = first_gap_with_zero_target_gradient(torch.float32)
first64 = first_gap_with_zero_target_gradient(torch.float64)
print("float32: first integer gap with a zero target gradient:", first32)
print("float64: first integer gap with a zero target gradient:", first64)
# Each threshold sits where e^-d crosses the spacing of the floats below 1.
for name, first, below in [("float32", first32, below_one32), ("float64", first64, below_one64)]:
    print(f"{name}: e^-{first} < 2^{below} < e^-{first - 1}:",
          math.exp(-first) < 2.0 ** below < math.exp(-(first - 1)))
# --8<-- [end:threshold]

VALUES = {
    "gap_logits": gap_logits,
    "target": target.tolist(),
    "log_probs32": log_probs32.tolist(),
    "grad32": grad32.tolist(),
    "sum32": grad32.sum().item(),
    "target_grad_is_zero32": grad32[0].item() == 0.0,
    "log_probs64": log_probs64.tolist(),
    "grad64": grad64.tolist(),
    "first_zero_gap32": first32,
    "first_zero_gap64": first64,
    "last_nonzero_gap32": first32 - 1,
    "last_nonzero_gap64": first64 - 1,
    "below_one32_log2": below_one32,
    "above_one32_log2": above_one32,
    "smallest_normal32_log2": tiny32,
    "below_one64_log2": below_one64,
    "above_one64_log2": above_one64,
    "threshold_between32": math.exp(-first32) < 2.0 ** below_one32 < math.exp(-(first32 - 1)),
    "threshold_between64": math.exp(-first64) < 2.0 ** below_one64 < math.exp(-(first64 - 1)),
}
