"""What torch.logsumexp runs on the CPU, and its gradient."""
# snippet-engine: devices=cpu; it traces ATen's CPU kernels: the profiler records ProfilerActivity.CPU and walks cpu_children

import contextlib
import os
import sys

import torch
from torch.profiler import ProfilerActivity, profile


@contextlib.contextmanager
def quiet_stderr():
    """Silence file descriptor 2: the profiler's C++ backend prints start/stop notices there."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


z = torch.tensor([[0.0, -20.0, 3.0],
                  [1000.0, 999.0, 998.0]])

# --8<-- [start:op_tree]
with quiet_stderr(), profile(activities=[ProfilerActivity.CPU]) as prof:
    torch.logsumexp(z, dim=1)

lines = []


def show(event, depth):
    lines.append("  " * depth + event.name)
    for child in sorted(event.cpu_children, key=lambda e: e.time_range.start):
        show(child, depth + 1)


roots = sorted((e for e in prof.events() if e.cpu_parent is None), key=lambda e: e.time_range.start)
for root in roots:
    show(root, 0)
print("\n".join(lines))
# --8<-- [end:op_tree]

# --8<-- [start:registration]
for key in ("CompositeExplicitAutograd", "CompositeImplicitAutograd"):
    print(f"aten::logsumexp has a {key} kernel:",
          torch._C._dispatch_has_kernel_for_dispatch_key("aten::logsumexp", key))
# --8<-- [end:registration]

# --8<-- [start:backward]
x = torch.tensor([[0.0, 1000.0], [0.0, -20.0]], requires_grad=True)
lse = torch.logsumexp(x, dim=1)
lse.sum().backward()
print("LSE            =", lse.tolist())
print("gradient       =", x.grad.tolist())
print("exp(z - LSE)   =", torch.exp(x.detach() - lse.detach()[:, None]).tolist())
print("same bits:", torch.equal(x.grad, torch.exp(x.detach() - lse.detach()[:, None])))
# --8<-- [end:backward]

inner = next(c for c in roots[0].cpu_children if c.name == "aten::logsumexp")
VALUES = {
    "logits": x.detach().tolist(),
    "inner_ops": [c.name for c in sorted(inner.cpu_children, key=lambda e: e.time_range.start)],
    "explicit_autograd": torch._C._dispatch_has_kernel_for_dispatch_key("aten::logsumexp", "CompositeExplicitAutograd"),
    "implicit_autograd": torch._C._dispatch_has_kernel_for_dispatch_key("aten::logsumexp", "CompositeImplicitAutograd"),
    "grad": x.grad.tolist(),
    "grad_is_exp_z_minus_lse": torch.equal(x.grad, torch.exp(x.detach() - lse.detach()[:, None])),
}
