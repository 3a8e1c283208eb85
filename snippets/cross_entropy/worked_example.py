"""One sample, three classes, worked through by hand and then by PyTorch."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn as nn

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# The inputs of the worked example. float32 is PyTorch's default dtype, so
# these are the exact numbers a model would hand to the loss.
z = torch.tensor([1.0, 2.0, 0.5], device=DEVICE)
y = 1

# --8<-- [start:softmax]
# Softmax one step at a time: exponentiate, add up, divide.
exp_z = torch.exp(z)
sum_exp = exp_z.sum()
p = exp_z / sum_exp
print("exp(z)      =", exp_z)
print("sum exp(z)  =", f"{sum_exp.item():.4f}")
print("softmax(z)  =", p)
print("sum of p    =", f"{p.sum().item():.4f}")
# --8<-- [end:softmax]

# --8<-- [start:log_softmax]
# log softmax(z)_j = z_j - log sum_k exp(z_k): one shared constant per sample.
lse = torch.logsumexp(z, dim=0)
log_p = z - lse
print("logsumexp(z)   =", f"{lse.item():.4f}")
print("log_softmax(z) =", log_p)
# Same thing through the module, which needs the class dimension (dim=0 here
# because this single sample has no batch dimension).
print("nn.LogSoftmax  =", nn.LogSoftmax(dim=0)(z))
# --8<-- [end:log_softmax]

# --8<-- [start:nll]
# NLL of one sample: take the log-probability of the target class, negate it.
nll = -log_p[y]
print("target class      :", y)
print("log p_y           =", f"{log_p[y].item():.4f}")
print("NLL = -log p_y    =", f"{nll.item():.4f}")
print("-log(softmax)_y   =", f"{-torch.log(p[y]).item():.4f}")
# --8<-- [end:nll]

# --8<-- [start:compare]
# PyTorch's losses want a batch, so add a batch dimension of size 1.
logits = z.unsqueeze(0)  # shape (1, 3)
target = torch.tensor([y], device=DEVICE)  # shape (1,)
ce = nn.CrossEntropyLoss()(logits, target)
two_step = nn.NLLLoss()(nn.LogSoftmax(dim=1)(logits), target)
print("nn.CrossEntropyLoss          =", f"{ce.item():.4f}")
print("nn.NLLLoss(nn.LogSoftmax(z)) =", f"{two_step.item():.4f}")
print("bit-for-bit equal            :", torch.equal(ce, two_step))
# --8<-- [end:compare]

VALUES = {
    "logits": z.tolist(),
    "target": y,
    "exp": exp_z.tolist(),
    "sum_exp": sum_exp.item(),
    "softmax": p.tolist(),
    "logsumexp": lse.item(),
    "log_softmax": log_p.tolist(),
    "nll": nll.item(),
    "ce_loss": ce.item(),
    "two_step_loss": two_step.item(),
    "two_step_equal": torch.equal(ce, two_step),
}
