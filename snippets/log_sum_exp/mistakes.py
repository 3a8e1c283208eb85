"""Common mistakes around log-sum-exp, with the messages PyTorch and SciPy print."""
# snippet-engine: devices=cpu,cuda

import scipy.special
import torch

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# --8<-- [start:masked_row]
# Masked logits: -inf removes a class. The second row has every class masked.
z = torch.tensor([[0.0, -1.0, float("-inf")],
                  [float("-inf"), float("-inf"), float("-inf")]], device=DEVICE)
m = z.amax(dim=1, keepdim=True)
by_hand = m.squeeze(1) + torch.log(torch.exp(z - m).sum(dim=1))
print("max-shift by hand:", by_hand.tolist())
print("torch.logsumexp:  ", torch.logsumexp(z, dim=1).tolist())
print("z - m in the masked row:", (z - m)[1].tolist())
# --8<-- [end:masked_row]

# --8<-- [start:no_dim]
try:
    torch.logsumexp(z)
except TypeError as error:
    print("TypeError:", error)
    no_dim_message = str(error)
# --8<-- [end:no_dim]

# --8<-- [start:scipy_on_tensor]
logits = torch.tensor([[1.0, 2.0, 0.5]], device=DEVICE, requires_grad=True)
try:
    scipy.special.logsumexp(logits, axis=1)
except (RuntimeError, TypeError) as error:  # TypeError for a tensor on a GPU
    print(f"{type(error).__name__}:", error)
    scipy_message = str(error)
# detach() makes it run (cpu() too, for a tensor on a GPU), but the result is a
# NumPy array: no gradient reaches the logits.
value = scipy.special.logsumexp(logits.detach().cpu().numpy(), axis=1)
print(type(value).__name__, value, "| torch.logsumexp:", torch.logsumexp(logits, dim=1))
# --8<-- [end:scipy_on_tensor]

VALUES = {
    "by_hand_masked_is_nan": bool(torch.isnan(by_hand[1])),
    "torch_masked_is_neg_inf": bool(torch.isneginf(torch.logsumexp(z, dim=1)[1])),
    "unmasked_rows_equal": torch.equal(by_hand[0], torch.logsumexp(z, dim=1)[0]),
    "no_dim_raises_type_error": "required positional argument" in no_dim_message,
    "scipy_on_grad_tensor_raises": "requires grad" in scipy_message,
}
