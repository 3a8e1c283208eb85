"""Data for the figure: each class's gradient as the target's logit moves."""
# snippet-engine: devices=cpu,cuda

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# C = 3 classes, target y = 1. The other two logits stay at 1.0 and 0.0;
# the target's logit t sweeps from -8 to 8 in steps of 0.5.
y = 1
others = (1.0, 0.0)
t = (torch.arange(-16, 17) * 0.5).to(DEVICE)

# --8<-- [start:sweep]
logits = torch.stack([torch.full_like(t, others[0]), t, torch.full_like(t, others[1])], dim=1)
x = logits.clone().requires_grad_(True)
F.cross_entropy(x, torch.full((len(t),), y, device=DEVICE), reduction="sum").backward()
grad = x.grad  # row r: the gradient of sample r's own loss (rows do not interact)

# q_y = 1/2 where e^t equals e^1.0 + e^0.0, that is at t = logsumexp(others).
t_half = torch.logsumexp(torch.tensor(others, device=DEVICE), dim=0)
print(f"q_y = 1/2 at t = {t_half.item():.4f}")
print(f"{'t':>5} {'dl/dz_0':>9} {'dl/dz_1':>9} {'dl/dz_2':>9}")
for r in range(0, len(t), 4):
    print(f"{t[r].item():>5.1f}", " ".join(f"{g:>9.4f}" for g in grad[r].tolist()))
# --8<-- [end:sweep]

# --8<-- [start:figure]
# The same sweep every 0.05 instead of every 0.5, so that the curves are smooth.
curve_t = torch.linspace(t[0].item(), t[-1].item(), 321).to(DEVICE)
curve_x = torch.stack([torch.full_like(curve_t, others[0]), curve_t, torch.full_like(curve_t, others[1])], dim=1)
curve_x.requires_grad_(True)
F.cross_entropy(curve_x, torch.full((len(curve_t),), y, device=DEVICE), reduction="sum").backward()
curve_grad = curve_x.grad.cpu()  # matplotlib draws from the host
curve_labels = [f"dℓ/dz₀ (logit {others[0]:.1f})", f"dℓ/dz₁ (the target, class {y})", f"dℓ/dz₂ (logit {others[1]:.1f})"]
fig, ax = plt.subplots(num="gradient-sweep", figsize=(6.8, 3.8), layout="constrained")
for level in (-1, 0, 1):
    ax.axhline(level, color="black", linewidth=0.8 if level == 0 else 0.5, linestyle="-" if level == 0 else ":")
for k in range(3):
    ax.plot(curve_t.cpu(), curve_grad[:, k], label=curve_labels[k])
ax.axvline(t_half.item(), color="C3", linewidth=1, linestyle="--")
ax.plot([t_half.item()], [-0.5], "o", color="C3")
ax.annotate(f"q₁ = 1/2 at t = {t_half.item():.4f}", (t_half.item(), -0.5), xytext=(8, -4),
            textcoords="offset points", color="C3", va="top")
ax.set_xlabel(f"the target's logit t; logits ({others[0]:.1f}, t, {others[1]:.1f}), target {y}")
ax.set_ylabel("gradient entry dℓ/dzₖ")
ax.set_ylim(-1.15, 1.15)
fig.legend(frameon=False, loc="outside upper center", ncols=3)
plt.show()
# --8<-- [end:figure]

VALUES = {
    "target": y,
    "other_logits": list(others),
    "t": t.tolist(),
    "grad_0": grad[:, 0].tolist(),
    "grad_1": grad[:, 1].tolist(),
    "grad_2": grad[:, 2].tolist(),
    "t_half": t_half.item(),
}


def signed(value, spec=".2f"):
    """A number for the alt text, with a real minus sign."""
    return format(value, spec).replace("-", "−")


FIGURES = {
    "gradient-sweep": {
        "alt": {
            "en": f"Line plot of the three entries of the gradient dℓ/dz against the target's logit t, from {signed(t[0].item(), 'g')} "
                  f"to {signed(t[-1].item(), 'g')}, for logits ({others[0]:.1f}, t, {others[1]:.1f}) and target {y}, with horizontal lines at "
                  f"−1, 0 and 1. At t = {signed(t[0].item(), 'g')} the target's entry is {signed(grad[0, y].item())} and the other two are "
                  f"{signed(grad[0, 0].item())} and {signed(grad[0, 2].item())}. The target's entry rises through −1/2 at "
                  f"t = {t_half.item():.4f}, marked by a vertical line, where q₁ = 1/2; at t = {signed(t[-1].item(), 'g')} the entries are "
                  f"{signed(grad[-1, 0].item(), '.4f')}, {signed(grad[-1, 1].item(), '.4f')} and {signed(grad[-1, 2].item(), '.4f')}: all three fade to 0, "
                  f"and at every t they cancel out.",
            "zh": f"折线图：梯度 dℓ/dz 的三个分量随目标 logit t 的变化，t 从 {signed(t[0].item(), 'g')} 到 {signed(t[-1].item(), 'g')}，"
                  f"logits 为 ({others[0]:.1f}, t, {others[1]:.1f})，目标为 {y}；在 −1、0、1 处有水平线。t = {signed(t[0].item(), 'g')} 时，"
                  f"目标分量为 {signed(grad[0, y].item())}，另外两个为 {signed(grad[0, 0].item())} 和 {signed(grad[0, 2].item())}。"
                  f"目标分量在 t = {t_half.item():.4f} 处（竖线标出，q₁ = 1/2）升过 −1/2；t = {signed(t[-1].item(), 'g')} 时三个分量为 "
                  f"{signed(grad[-1, 0].item(), '.4f')}、{signed(grad[-1, 1].item(), '.4f')} 和 {signed(grad[-1, 2].item(), '.4f')}：三者都趋向 0，"
                  f"且在每个 t 处相互抵消。",
        },
        "text": {
            "zh": {
                curve_labels[0]: f"dℓ/dz₀（logit {others[0]:.1f}）",
                curve_labels[1]: f"dℓ/dz₁（目标，类别 {y}）",
                curve_labels[2]: f"dℓ/dz₂（logit {others[1]:.1f}）",
                f"q₁ = 1/2 at t = {t_half.item():.4f}": f"t = {t_half.item():.4f} 处 q₁ = 1/2",
                f"the target's logit t; logits ({others[0]:.1f}, t, {others[1]:.1f}), target {y}":
                    f"目标的 logit t；logits 为 ({others[0]:.1f}, t, {others[1]:.1f})，目标为 {y}",
                "gradient entry dℓ/dzₖ": "梯度分量 dℓ/dzₖ",
            },
        },
    },
}
