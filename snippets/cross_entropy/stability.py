"""Why log(softmax(x)) breaks on large logit gaps and log_softmax does not."""
# snippet-engine: devices=cpu,cuda

import math

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# One sample, two classes, logits 1000 apart, and the target is the class the
# model considers hopeless. float32, the usual training dtype.
gap_logits = torch.tensor([[0.0, 1000.0]], device=DEVICE)
target = torch.tensor([0], device=DEVICE)

# --8<-- [start:naive]
x_naive = gap_logits.clone().requires_grad_(True)
p = torch.softmax(x_naive, dim=1)
p.retain_grad()  # keep the gradient that reaches the probabilities, to show it
naive_log_p = torch.log(p)
naive_loss = F.nll_loss(naive_log_p, target)
naive_loss.backward()
print("softmax(x)      =", p.detach())
print("log(softmax(x)) =", naive_log_p.detach())
print("loss            =", naive_loss.item())
# d loss / d log p = (-1, 0); log's backward divides it by p = (0, 1).
print("gradient at p   =", p.grad)
print("gradient        =", x_naive.grad)
# --8<-- [end:naive]

# --8<-- [start:stable]
x_stable = gap_logits.clone().requires_grad_(True)
log_p = F.log_softmax(x_stable, dim=1)
stable_loss = F.nll_loss(log_p, target)
stable_loss.backward()
print("log_softmax(x)  =", log_p.detach())
print("loss            =", stable_loss.item())
print("gradient        =", x_stable.grad)
# The same number as the fused loss, of course.
print("F.cross_entropy =", F.cross_entropy(gap_logits, target).item())
# --8<-- [end:stable]

# --8<-- [start:overflow]
# The other failure: computing softmax literally as exp(z) / sum(exp(z)).
# exp(1000) is far above the float32 maximum (about 3.4e38), so it is inf,
# and inf / inf is NaN.
big = torch.tensor([1000.0, 1001.0], device=DEVICE)
literal = torch.exp(big) / torch.exp(big).sum()
print("exp(z)                     =", torch.exp(big))
print("exp(z) / sum(exp(z))       =", literal)
shifted = big - big.max()  # largest entry becomes 0, so exp() is at most 1
stable = torch.exp(shifted) / torch.exp(shifted).sum()
print("same after subtracting max =", stable)
print("torch.softmax              =", torch.softmax(big, dim=0))
# --8<-- [end:overflow]

# --8<-- [start:lse_trick]
def log_softmax_by_hand(z, dim):
    """z - m - log(sum(exp(z - m))), with m the maximum along dim."""
    m = z.amax(dim=dim, keepdim=True)
    return z - m - torch.log(torch.exp(z - m).sum(dim=dim, keepdim=True))


by_hand = log_softmax_by_hand(gap_logits, dim=1)
print("log-sum-exp trick by hand:", by_hand)
print("F.log_softmax            :", F.log_softmax(gap_logits, dim=1))
print("torch.equal              :", torch.equal(by_hand, F.log_softmax(gap_logits, dim=1)))
# --8<-- [end:lse_trick]

VALUES = {
    "gap_logits": gap_logits.tolist(),
    "target": target.tolist(),
    "naive_softmax": p.detach().tolist(),
    "naive_log_prob_is_neg_inf": bool(torch.isneginf(naive_log_p[0, 0])),
    "naive_loss_is_inf": bool(torch.isinf(naive_loss)),
    "naive_grad_at_p_is_neg_inf": bool(torch.isneginf(p.grad[0, 0])),
    "naive_grad_all_nan": bool(torch.isnan(x_naive.grad).all()),
    "stable_log_probs": log_p.detach().tolist(),
    "stable_loss": stable_loss.item(),
    "stable_grad": x_stable.grad.tolist(),
    "stable_all_finite": bool(torch.isfinite(log_p).all() and torch.isfinite(x_stable.grad).all()),
    "overflow_logits": big.tolist(),
    "literal_softmax_all_nan": bool(torch.isnan(literal).all()),
    "shifted_softmax": stable.tolist(),
    "torch_softmax": torch.softmax(big, dim=0).tolist(),
    "lse_trick_equal": torch.equal(by_hand, F.log_softmax(gap_logits, dim=1)),
}
# The float32 limits the article quotes, as powers of two, from torch.finfo: the
# smallest positive float32 (a subnormal) and the power of two above the largest.
float32 = torch.finfo(torch.float32)
VALUES["smallest_positive_log2"] = int(math.log2(float32.smallest_normal * float32.eps))
VALUES["above_largest_log2"] = math.ceil(math.log2(float32.max))
