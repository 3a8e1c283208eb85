"""How the weight of one class moves the 'mean' loss, for index and for probability targets."""
# snippet-engine: devices=cpu,cuda

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0],
                       [2.0, 0.3, -1.0],
                       [0.5, 1.5, 0.2]], device=DEVICE)
targets = torch.tensor([1, 2, 0, 0], device=DEVICE)
N, C = logits.shape
one_hot = F.one_hot(targets, C).float()
# The weight of class 0 from 1/16 to 16, the other two classes keep weight 1.
w0_values = [2.0 ** k for k in range(-4, 5)]

# --8<-- [start:sweep]
index_means, prob_means = [], []
print(f"{'w0':>7} {'index mean':>11} {'prob. mean':>11}")
for w0 in w0_values:
    weight = torch.tensor([w0, 1.0, 1.0], device=DEVICE)
    index_means.append(F.cross_entropy(logits, targets, weight=weight).item())
    prob_means.append(F.cross_entropy(logits, one_hot, weight=weight).item())
    print(f"{w0:7.4g} {index_means[-1]:11.4f} {prob_means[-1]:11.4f}")
# The index 'mean' is a weighted average of per-sample losses, so it stays
# between the average over class 0 and the average over the other classes.
per_sample = F.cross_entropy(logits, targets, reduction="none")
class0 = targets == 0
print("plain mean loss of the class-0 samples:", f"{per_sample[class0].mean().item():.4f}")
print("plain mean loss of the other samples  :", f"{per_sample[~class0].mean().item():.4f}")
# --8<-- [end:sweep]

# --8<-- [start:figure]
# The same sweep at eight points per doubling of w0, for smooth curves; the table's points are marked.
fine_w0 = [2.0 ** (k / 8) for k in range(-32, 33)]
fine_index, fine_prob = [], []
for w0 in fine_w0:
    weight = torch.tensor([w0, 1.0, 1.0], device=DEVICE)
    fine_index.append(F.cross_entropy(logits, targets, weight=weight).item())
    fine_prob.append(F.cross_entropy(logits, one_hot, weight=weight).item())
meet = index_means[w0_values.index(1.0)]
fig, ax = plt.subplots(num="loss-vs-weight", figsize=(6.8, 3.8), layout="constrained")
ax.set_xscale("log", base=2)
ax.set_yscale("log", base=2)
ax.plot(fine_w0, fine_index, color="C0", label="class-index targets: divides by the total weight")
ax.plot(w0_values, index_means, "o", color="C0", markersize=4)
ax.plot(fine_w0, fine_prob, color="C1", label="probability targets: divides by N")
ax.plot(w0_values, prob_means, "o", color="C1", markersize=4)
class0_level, others_level = per_sample[class0].mean().item(), per_sample[~class0].mean().item()
ax.axhline(class0_level, color="C0", linestyle="--", linewidth=0.8)
ax.axhline(others_level, color="C0", linestyle="--", linewidth=0.8)
ax.text(w0_values[0], class0_level * 1.04, f"class-0 samples' mean {class0_level:.4f}", color="C0", va="bottom")
ax.text(w0_values[-1], others_level * 0.96, f"other samples' mean {others_level:.4f}", color="C0", ha="right", va="top")
ax.plot([1.0], [meet], "o", color="C3", markersize=7)
ax.annotate(f"both {meet:.4f} at w₀ = 1", (1.0, meet), xytext=(10, -10), textcoords="offset points",
            color="C3", va="top")
ax.set_xticks(w0_values, [f"1/{1 / w:g}" if w < 1 else f"{w:g}" for w in w0_values])
ax.yaxis.set_major_formatter(lambda value, _: f"{value:g}")
ax.set_xlabel("w₀, the weight of class 0 (classes 1 and 2 keep weight 1)")
ax.set_ylabel("'mean' loss of the batch")
ax.legend(frameon=False, loc="upper left")
plt.show()
# --8<-- [end:figure]

VALUES = {
    "logits": logits.tolist(),
    "targets": targets.tolist(),
    "w0": w0_values,
    "index_means": index_means,
    "prob_means": prob_means,
    "class0_mean": per_sample[class0].mean().item(),
    "others_mean": per_sample[~class0].mean().item(),
}

FIGURES = {
    "loss-vs-weight": {
        "alt": {
            "en": f"The 'mean' cross-entropy of the four-sample batch against w₀, the weight of class 0, from 1/{1 / w0_values[0]:g} "
                  f"to {w0_values[-1]:g}, both axes logarithmic. With class-index targets the loss slides from {index_means[0]:.4f} "
                  f"to {index_means[-1]:.4f}, between two dashed lines: the mean loss of the other samples, {others_level:.4f}, and "
                  f"that of the class-0 samples, {class0_level:.4f}. With probability targets it grows from {prob_means[0]:.4f} to "
                  f"{prob_means[-1]:.4f}, linearly in w₀. The two curves meet only at w₀ = 1, at the unweighted loss {meet:.4f}.",
            "zh": f"四个样本的批次的 'mean' 交叉熵随类别 0 的权重 w₀ 的变化，w₀ 从 1/{1 / w0_values[0]:g} 到 {w0_values[-1]:g}，"
                  f"两个坐标轴都取对数刻度。类别索引目标下，损失从 {index_means[0]:.4f} 滑到 {index_means[-1]:.4f}，"
                  f"始终夹在两条虚线之间：其他样本的平均损失 {others_level:.4f}，和类别 0 样本的平均损失 {class0_level:.4f}。"
                  f"概率目标下，损失从 {prob_means[0]:.4f} 增长到 {prob_means[-1]:.4f}，与 w₀ 成线性关系。"
                  f"两条曲线只在 w₀ = 1 处相交，交点是不加权的损失 {meet:.4f}。",
        },
        "text": {
            "zh": {
                "class-index targets: divides by the total weight": "类别索引目标：除以总权重",
                "probability targets: divides by N": "概率目标：除以 N",
                f"class-0 samples' mean {class0_level:.4f}": f"类别 0 样本的平均 {class0_level:.4f}",
                f"other samples' mean {others_level:.4f}": f"其他样本的平均 {others_level:.4f}",
                f"both {meet:.4f} at w₀ = 1": f"w₀ = 1 处两者均为 {meet:.4f}",
                "w₀, the weight of class 0 (classes 1 and 2 keep weight 1)": "类别 0 的权重 w₀（类别 1 和 2 的权重保持为 1）",
                "'mean' loss of the batch": "批次的 'mean' 损失",
            },
        },
    },
}
