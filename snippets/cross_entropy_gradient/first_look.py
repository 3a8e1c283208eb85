"""The article's question in one run: d(loss)/d(logits) for one sample."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=max_difference; the largest rounding gap between autograd and softmax(z) - onehot(y): one float32 ulp or none, depending on the kernels' exp

import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# One sample with C = 3 classes: its logits and its target class.
z = torch.tensor([1.0, 2.0, 0.5], device=DEVICE)
y = 1

# --8<-- [start:gradient]
logits = z.clone().requires_grad_(True)
loss = F.cross_entropy(logits, torch.tensor(y, device=DEVICE))  # unbatched: shape (C,) and a 0-d target
loss.backward()

q = torch.softmax(z, dim=0)
one_hot = F.one_hot(torch.tensor(y, device=DEVICE), num_classes=z.numel()).to(z.dtype)
formula = q - one_hot
print(f"loss                    = {loss.item():.6f}")
print("autograd: d loss / d z  =", logits.grad)
print("softmax(z) - onehot(y)  =", formula)
print("largest difference      =", (logits.grad - formula).abs().max().item())
# --8<-- [end:gradient]

VALUES = {
    "logits": z.tolist(),
    "target": y,
    "loss": loss.item(),
    "grad": logits.grad.tolist(),
    "softmax": q.tolist(),
    "formula": formula.tolist(),
    "max_difference": (logits.grad - formula).abs().max().item(),
}
