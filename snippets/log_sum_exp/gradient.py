"""The gradient of -log(softmax(z))[0]: finite, then NaN and inf, then NaN everywhere."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# Logits (0, g), target class 0, float32. One gap in each of the three regimes
# that the thresholds snippet finds: below ln(max), between ln(max) and the gap
# where q_0 rounds to 0, and above it.
GAPS = (80.0, 95.0, 110.0)


def naive(g):
    z = torch.tensor([0.0, g], device=DEVICE, requires_grad=True)
    q = torch.softmax(z, dim=0)
    loss = -torch.log(q)[0]
    loss.backward()
    return q.detach(), loss.detach(), z.grad


def stable(g):
    z = torch.tensor([0.0, g], device=DEVICE, requires_grad=True)
    loss = -F.log_softmax(z, dim=0)[0]
    loss.backward()
    return loss.detach(), z.grad


# --8<-- [start:three_gaps]
results = {g: (naive(g), stable(g)) for g in GAPS}
print(f"{'gap':>5}{'q_0':>12}{'naive loss':>12}{'naive gradient':>24}{'stable loss':>13}{'stable gradient':>18}")
for g, ((q, loss, grad), (s_loss, s_grad)) in results.items():
    print(f"{g:>5g}{q[0].item():>12.4g}{loss.item():>12.4f}{str(grad.tolist()):>24}"
          f"{s_loss.item():>13.4f}{str(s_grad.tolist()):>18}")
# --8<-- [end:three_gaps]

# --8<-- [start:by_hand]
# The same backward pass, one operation at a time, for the middle gap.
g = GAPS[1]
q = torch.softmax(torch.tensor([0.0, g], device=DEVICE), dim=0)
grad_log = torch.tensor([-1.0, 0.0], device=DEVICE) / q  # backward of -log(q)[0]: d/dq = (-1/q_0, 0)
dot = (grad_log * q).sum()                               # softmax backward: q * (grad - <grad, q>)
grad_z = q * (grad_log - dot)
print(f"gap {g:g}: q = {q.tolist()}")
print("  -1/q_0                 =", grad_log[0].item())
print("  <grad, q>              =", dot.item(), "  (-inf * q_0, plus 0 * q_1)")
print("  grad_0 - <grad, q>     =", (grad_log[0] - dot).item(), "  (-inf minus -inf)")
print("  q * (grad - <grad, q>) =", grad_z.tolist())
print("  autograd gave          =", results[g][0][2].tolist())
# And where q_0 is exactly 0:
q0 = torch.softmax(torch.tensor([0.0, GAPS[2]], device=DEVICE), dim=0)
print(f"gap {GAPS[2]:g}: -1/q_0 = {(-1.0 / q0[0]).item()}, <grad, q> = {(-1.0 / q0[0] * q0[0]).item()}")
# --8<-- [end:by_hand]


def pattern(t):
    """'finite', 'nan' or 'inf' for each entry."""
    return ["nan" if x != x else ("inf" if abs(x) == float("inf") else "finite") for x in t.tolist()]


VALUES = {
    "gaps": list(GAPS),
    "q0": [results[g][0][0][0].item() for g in GAPS],
    "naive_loss": [results[g][0][1].item() for g in GAPS[:2]],  # finite at the first two gaps
    "naive_loss_last_is_inf": bool(torch.isinf(results[GAPS[2]][0][1])),
    "naive_grad_pattern": [pattern(results[g][0][2]) for g in GAPS],
    "naive_grad_finite": results[GAPS[0]][0][2].tolist(),
    "stable_loss": [results[g][1][0].item() for g in GAPS],
    "stable_grad": [results[g][1][1].tolist() for g in GAPS],
    "by_hand_same_pattern": pattern(grad_z) == pattern(results[GAPS[1]][0][2]),
    "middle_loss_finite": bool(torch.isfinite(results[GAPS[1]][0][1])),
}
