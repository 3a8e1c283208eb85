"""The gradient of the loss with respect to the logits of one sample, q - onehot(y): autograd against the formula."""
# snippet-engine: devices=cpu,cuda
# snippet-engine: varies=autograd,grad_minus_formula,grad_sum; the last bits of a float32 softmax and of its sum depend on whether the kernels use the vectorised exp (AVX2, AVX512) or the scalar one

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# The worked example's sample: three classes, target class 1. (The names differ from the
# worked example's: the notebook runs every snippet of the article in one namespace.)
sample = torch.tensor([1.0, 2.0, 0.5]).to(DEVICE)
target_class = 1

# --8<-- [start:autograd]
leaf = sample.clone().requires_grad_(True)
sample_loss = F.cross_entropy(leaf.unsqueeze(0), torch.tensor([target_class]).to(DEVICE))
sample_loss.backward()
q_sample = torch.softmax(sample, dim=0)
one_hot = F.one_hot(torch.tensor(target_class).to(DEVICE), num_classes=len(sample)).float()
formula = q_sample - one_hot
print("q                 =", q_sample)
print("onehot(y)         =", one_hot)
print("q - onehot(y)     =", formula)
print("autograd gradient =", leaf.grad)
print("largest |autograd - formula|:", f"{(leaf.grad - formula).abs().max().item():.1e}")
print("sum of the gradient         :", f"{leaf.grad.sum().item():.1e}")
# --8<-- [end:autograd]

# --8<-- [start:figure]
classes = list(range(len(sample)))
names = [f"class {c}" + (" (target)" if c == target_class else "") for c in classes]
fig, ax = plt.subplots(num="gradient", figsize=(6, 3.4), layout="constrained")
width = 0.27
ax.bar([c - width for c in classes], q_sample.cpu(), width, label="q = softmax(z)")
ax.bar(classes, one_hot.cpu(), width, label="onehot(y)")
bars = ax.bar([c + width for c in classes], leaf.grad.cpu(), width, label="gradient q − onehot(y)")
ax.bar_label(bars, labels=[f"{g:+.2f}".replace("-", "−") for g in leaf.grad.tolist()], padding=2)
ax.axhline(0, color="black", linewidth=0.8)
ax.set_xticks(classes, names)
ax.set_ylim(-0.6, 1.45)
ax.legend(frameon=False, ncols=3, loc="upper center")
plt.show()
# --8<-- [end:figure]

VALUES = {
    "logits": sample.tolist(),
    "target": target_class,
    "softmax": q_sample.tolist(),
    "one_hot": one_hot.tolist(),
    "grad": leaf.grad.tolist(),
    "grad_minus_formula": (leaf.grad - formula).abs().max().item(),
    "grad_sum": leaf.grad.sum().item(),
}


def listed(values, spec="+.2f"):
    """Numbers for the alt text, with a real minus sign."""
    return ", ".join(format(v, spec).replace("-", "−") for v in values)


FIGURES = {
    "gradient": {
        "alt": {
            "en": f"Bar chart of one sample with logits z = ({listed(sample.tolist(), 'g')}) and target class {target_class}. "
                  f"For each class, three bars: the probability q = ({listed(q_sample.tolist())}), the one-hot target "
                  f"({listed(one_hot.tolist(), 'g')}), and their difference, the gradient of the loss, "
                  f"({listed(leaf.grad.tolist())}): negative only for the target class.",
            "zh": f"一个样本的柱状图，logits 为 z = ({listed(sample.tolist(), 'g')})，目标类别为 {target_class}。"
                  f"每个类别三根柱子：概率 q = ({listed(q_sample.tolist())})，one-hot 目标 ({listed(one_hot.tolist(), 'g')})，"
                  f"以及两者之差，即损失的梯度 ({listed(leaf.grad.tolist())})：只有目标类别为负。",
        },
        "text": {
            "zh": {
                **{name: f"类别 {c}" + ("（目标）" if c == target_class else "") for c, name in zip(classes, names)},
                "q = softmax(z)": "q = softmax(z)",
                "onehot(y)": "onehot(y)",
                "gradient q − onehot(y)": "梯度 q − onehot(y)",
            },
        },
    },
}
