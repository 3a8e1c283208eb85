"""The deprecated size_average and reduce arguments, and the reduction they turn into."""
# snippet-engine: devices=cpu; it makes no tensor: it builds loss modules and reads the reduction each one chose, which no device changes

import warnings

import torch.nn as nn

# --8<-- [start:table]
# reduction="none" is passed every time: it survives only if both old
# arguments are left at None.
print(f"{'size_average':>12} {'reduce':>6}  ->  reduction")
mapping = []
for size_average in (None, True, False):
    for reduce in (None, True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = nn.CrossEntropyLoss(size_average=size_average, reduce=reduce, reduction="none")
        mapping.append([str(size_average), str(reduce), loss.reduction])
        print(f"{size_average!s:>12} {reduce!s:>6}  ->  {loss.reduction!r}")
# --8<-- [end:table]

# --8<-- [start:warning]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    nn.CrossEntropyLoss(size_average=False)
print(type(caught[0].message).__name__ + ":", caught[0].message)
# --8<-- [end:warning]

VALUES = {
    "mapping": mapping,
    "warning": str(caught[0].message),
    "warning_category": type(caught[0].message).__name__,
}
