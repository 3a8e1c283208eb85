"""log(softmax(z)) against log_softmax(z) as the logit gap grows, in float32: where the naive way breaks."""
# snippet-engine: devices=cpu,cuda

import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# Two classes with logits (0, gap) and target 0, as in the stability section,
# for gaps from 0 to 120. The loss is log(1 + e^gap): about the gap itself.
gaps = torch.linspace(0.0, 120.0, 241).to(DEVICE)  # float32, every 0.5
# Close to the failure, every 0.01: fine enough to see each step.
close_gaps = torch.linspace(98.0, 105.0, 701).to(DEVICE)


def both_losses(gap):
    """The loss of target 0 for logits (0, gap): by log(softmax(z)), and by log_softmax (cross_entropy)."""
    logits = torch.stack([torch.zeros_like(gap), gap], dim=1)
    target = torch.zeros(len(gap), dtype=torch.long, device=gap.device)
    naive = -torch.log(torch.softmax(logits, dim=1))[:, 0]
    stable = F.cross_entropy(logits, target, reduction="none")
    return naive, stable


def first_gap(condition):
    """The smallest float32 gap where condition(q_0) holds; q_0 only shrinks as the gap grows."""
    low, high = torch.tensor(0.0).to(DEVICE), torch.tensor(200.0).to(DEVICE)
    while torch.nextafter(low, high) < high:  # a float32 lies strictly between: halve the interval
        middle = (low + high) / 2
        q0 = torch.softmax(torch.stack([torch.zeros_like(middle), middle]), dim=0)[0]
        if condition(q0):
            high = middle
        else:
            low = middle
    return high.item()


# --8<-- [start:sweep]
naive, stable = both_losses(gaps)
close_naive, close_stable = both_losses(close_gaps)
smallest_normal = torch.finfo(torch.float32).tiny  # 2**-126
subnormal_gap = first_gap(lambda q0: q0 < smallest_normal)
underflow_gap = first_gap(lambda q0: q0 == 0)
normal = gaps < subnormal_gap
before = close_gaps < underflow_gap
error_normal = (naive - stable)[normal].abs().max().item()
error_subnormal = (close_naive - close_stable)[before].abs().max().item()
print(f"q_0 is subnormal from gap {subnormal_gap:.5f}, and 0 from gap {underflow_gap:.5f}")
print(f"largest |naive - stable| up to gap {subnormal_gap:.2f}: {error_normal:.1e}")
print(f"largest |naive - stable| from gap {close_gaps[0].item():g} to {underflow_gap:.2f}: {error_subnormal:.2f}")
print("naive loss from the underflow on:", naive[gaps >= underflow_gap].unique().tolist())
print(f"stable loss at gap {gaps[-1].item():g}:", stable[-1].item())
# --8<-- [end:sweep]

# --8<-- [start:figure]
fig, (whole, close) = plt.subplots(1, 2, num="underflow", figsize=(8, 3.2), layout="constrained")
finite = torch.isfinite(naive)
gaps_, naive_, stable_ = gaps.cpu(), naive.cpu(), stable.cpu()  # matplotlib draws from the host
whole.plot(gaps_, stable_, label="log_softmax: stable")
whole.plot(gaps_[finite.cpu()], naive_[finite.cpu()], "--", label="log(softmax): naive")
whole.axvline(underflow_gap, color="C3", linewidth=1)
whole.text(underflow_gap - 2, 5, f"q₀ = 0 from gap {underflow_gap:.2f}", color="C3", ha="right")
whole.set_title("the whole sweep")
whole.set_xlabel("logit gap z₁ − z₀")
whole.set_ylabel("loss, target 0")
whole.legend(frameon=False)
close_finite = torch.isfinite(close_naive).cpu()
close.plot(close_gaps.cpu(), close_stable.cpu())
close.plot(close_gaps.cpu()[close_finite], close_naive.cpu()[close_finite])
close.axvline(underflow_gap, color="C3", linewidth=1)
close.text(98.2, 104, f"q₀ subnormal since gap {subnormal_gap:.2f}:", color="C1")
close.text(98.2, 103.3, "the naive loss moves in steps", color="C1")
close.set_title("close to the underflow")
close.set_xlabel("logit gap z₁ − z₀")
plt.show()
# --8<-- [end:figure]

VALUES = {
    "subnormal_gap": subnormal_gap,
    "underflow_gap": underflow_gap,
    "error_normal": error_normal,
    "error_subnormal": error_subnormal,
    "naive_inf_from_underflow": bool(torch.isinf(naive[gaps >= underflow_gap]).all()),
    "stable_finite": bool(torch.isfinite(stable).all()),
    "sweep_max": gaps[-1].item(),
    # The float32 limits behind the two thresholds, as powers of two, from torch.finfo:
    # the smallest normal number, and half the smallest subnormal (below it, rounding gives 0).
    "smallest_normal_log2": int(math.log2(smallest_normal)),
    "half_smallest_subnormal_log2": int(math.log2(smallest_normal * torch.finfo(torch.float32).eps / 2)),
}

FIGURES = {
    "underflow": {
        "alt": {
            "en": f"Two plots of the loss of target 0 against the logit gap z₁ − z₀. Left, gaps {gaps[0].item():g} to {gaps[-1].item():g}: the loss "
                  f"by log_softmax is a straight line, and the loss by log(softmax) lies on it until gap {underflow_gap:.2f}, "
                  f"where q₀ becomes 0 and that loss infinite. Right, gaps {close_gaps[0].item():g} to {close_gaps[-1].item():g}: the stable loss is still a straight "
                  f"line; the naive one moves in steps, up to {error_subnormal:.2f} away from it, because q₀ has been "
                  f"subnormal since gap {subnormal_gap:.2f}, and it ends at gap {underflow_gap:.2f}.",
            "zh": f"两幅图，横轴为 logit 差 z₁ − z₀，纵轴为目标类别 0 的损失。左图，差值 {gaps[0].item():g} 到 {gaps[-1].item():g}：log_softmax 算出的损失是一条直线，"
                  f"log(softmax) 算出的损失与它重合，直到差值 {underflow_gap:.2f}，那里 q₀ 变为 0，这个损失变为无穷大。"
                  f"右图，差值 {close_gaps[0].item():g} 到 {close_gaps[-1].item():g}：稳定的损失仍是一条直线；朴素的损失呈阶梯状，与它最多相差 {error_subnormal:.2f}，"
                  f"因为从差值 {subnormal_gap:.2f} 起 q₀ 已是次正规数；它在差值 {underflow_gap:.2f} 处中断。",
        },
        "text": {
            "zh": {
                "log_softmax: stable": "log_softmax：稳定",
                "log(softmax): naive": "log(softmax)：朴素",
                f"q₀ = 0 from gap {underflow_gap:.2f}": f"差值 {underflow_gap:.2f} 起 q₀ = 0",
                "the whole sweep": "整个扫描范围",
                "logit gap z₁ − z₀": "logit 差 z₁ − z₀",
                "loss, target 0": "损失（目标类别 0）",
                f"q₀ subnormal since gap {subnormal_gap:.2f}:": f"差值 {subnormal_gap:.2f} 起 q₀ 为次正规数，",
                "the naive loss moves in steps": "朴素损失呈阶梯状变化",
                "close to the underflow": "下溢附近",
            },
        },
    },
}
