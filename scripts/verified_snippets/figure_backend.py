"""The engine's matplotlib backend: Agg, with a `show()` that leaves figures open.

A snippet may end a figure's section with `plt.show()`, as it would in a
script (a window opens there) or a notebook (the inline backend shows the
figure there and closes it). Under Agg, `show()` would only warn that it
cannot open a window; here it does nothing, and the engine takes every figure
still open at the end of the section (figure_capture), which is where the
notebook shows it too. Selected in the child as
`module://verified_snippets.figure_backend`.
"""
from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg

FigureCanvas = FigureCanvasAgg


def show(*args: object, **kwargs: object) -> None:
    """Nothing to show: figures are captured when their region ends."""
