"""Watch which ATen operators run for nn.CrossEntropyLoss and for the two-step way."""
# snippet-engine: devices=cpu; it traces ATen's CPU kernels: the profiler records ProfilerActivity.CPU and the dispatch keys are the CPU's

import contextlib
import os
import sys

import torch
import torch.nn as nn
from torch.profiler import ProfilerActivity, profile
from torch.utils._python_dispatch import TorchDispatchMode

logits = torch.tensor([[1.0, 2.0, 0.5],
                       [0.1, 0.5, 2.0]])
targets = torch.tensor([1, 2])


@contextlib.contextmanager
def quiet_stderr():
    """Send file descriptor 2 to /dev/null for a moment.

    The profiler's C++ backend writes a start/stop notice straight to the
    process's stderr. It is not part of what we are showing, and hiding it
    keeps a run of this script free of anything but the printed results.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


# --8<-- [start:op_tree]
# The profiler records every ATen operator call together with its caller,
# so the nesting below is the call tree inside the C++ library.
with quiet_stderr(), profile(activities=[ProfilerActivity.CPU]) as prof:
    nn.CrossEntropyLoss()(logits, targets)

events = prof.events()
tree_lines = []


def show(event, depth):
    tree_lines.append("  " * depth + event.name)
    for child in sorted(event.cpu_children, key=lambda e: e.time_range.start):
        show(child, depth + 1)


for root in sorted((e for e in events if e.cpu_parent is None),
                   key=lambda e: e.time_range.start):
    show(root, 0)
print("\n".join(tree_lines))
# --8<-- [end:op_tree]

# --8<-- [start:composite]
# A CompositeImplicitAutograd operator has no kernel of its own: it is
# written in terms of other operators, and autograd differentiates those.
# The operators of the tree above, each with the overload the C++ code calls:
chain = ["aten::cross_entropy_loss", "aten::log_softmax.int", "aten::to.dtype_layout",
         "aten::_log_softmax", "aten::nll_loss_nd", "aten::nll_loss",
         "aten::nll_loss_forward"]
tree_ops = [line.strip() for line in tree_lines]
same_ops = [op.split(".")[0] for op in chain] == tree_ops
composite = {}
for op in chain:
    composite[op] = torch._C._dispatch_has_kernel_for_dispatch_key(
        op, "CompositeImplicitAutograd")
    kind = "composite (calls other ops)" if composite[op] else "real CPU kernel"
    print(f"{op:<26}{kind}")
print(f"the {len(tree_ops)} operators of the tree, in order:", same_ops)
# --8<-- [end:composite]

# --8<-- [start:kernels]
class RecordKernels(TorchDispatchMode):
    """Log every operator that reaches the kernels, below autograd."""

    def __init__(self):
        super().__init__()
        self.names = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.names.append(str(func.overloadpacket.__name__))
        return func(*args, **(kwargs or {}))


def record(loss_fn, backward=True):
    x = logits.clone().requires_grad_(True)
    with RecordKernels() as rec:
        loss = loss_fn(x, targets)
        if backward:
            loss.backward()  # fills x.grad
        else:
            torch.autograd.grad(loss, x)  # returns the gradient, leaves x.grad alone
    return rec.names


one_call = record(nn.CrossEntropyLoss())
two_calls = record(lambda x, t: nn.NLLLoss()(nn.LogSoftmax(dim=1)(x), t))
print("CrossEntropyLoss        :", " -> ".join(one_call))
print("NLLLoss(LogSoftmax(...)):", " -> ".join(two_calls))
print("same kernel sequence    :", one_call == two_calls)
# --8<-- [end:kernels]

# --8<-- [start:detach]
# Where the three detach calls come from. Without .backward() there is no
# .grad to fill, and the last one goes:
via_grad = record(nn.CrossEntropyLoss(), backward=False)
print("torch.autograd.grad instead:", " -> ".join(via_grad))


# An operator whose backward needs its own output (exp) shows a detach when
# autograd saves that output and one when it reads it back; one that saves
# only its input (sin) shows none.
def saved_tensor_trace(fn):
    x = torch.ones(3, requires_grad=True)
    with RecordKernels() as rec:
        torch.autograd.grad(fn(x).sum(), x)
    return rec.names


for fn in (torch.exp, torch.sin):
    print(f"{fn.__name__}:", " -> ".join(saved_tensor_trace(fn)))
# --8<-- [end:detach]

VALUES = {
    "chain": chain,
    "composite": [composite[op] for op in chain],
    "same_ops_as_tree": same_ops,
    "n_ops": len(tree_ops),
    "n_composite": sum(composite.values()),
    "n_with_kernel": len(chain) - sum(composite.values()),
    "n_kernel_calls": len(one_call),
    "same_kernels": one_call == two_calls,
    "kernel_calls": one_call,
    "n_detach": one_call.count("detach"),
    "n_kernel_calls_autograd_grad": len(via_grad),
    "autograd_grad_drops_last_detach": via_grad == one_call[:-1] and one_call[-1] == "detach",
}
