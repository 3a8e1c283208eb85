"""Tie a process's life to its parent's: the worker's to the runner, a child's to its worker.

Linux delivers the requested signal when the parent dies, however it dies (a
SIGKILLed run included), so no process of the engine outlives the one that
started it.
"""
from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

_prctl: Callable[..., int] | None
try:  # looked up once per process; a forked child inherits the lookup
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: nothing to ask for
    _prctl = None
_PR_SET_PDEATHSIG = 1


def die_with_parent(expected_parent_pid: int | None = None) -> None:
    """Be killed when the parent dies; exit at once if it already has.

    Without `expected_parent_pid` the parent is whoever it is now.
    """
    expected = os.getppid() if expected_parent_pid is None else expected_parent_pid
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != expected:  # it was gone before the request took effect
        os._exit(1)
