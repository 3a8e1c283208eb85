"""Versions that decide whether an output is still valid, read without importing torch."""
from __future__ import annotations

import functools
import platform


@functools.cache
def torch_version() -> str | None:
    """The installed torch version, or None where only the docs dependencies are installed.

    Read once per process: it parses the package metadata (~2 ms), and importing
    importlib.metadata costs ~40 ms more, which a cold run pays before its first
    worker can start. (A long-lived `mkdocs serve` that sees torch upgraded under
    it is restarted anyway: its workers still hold the old torch.)
    """
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def python_version() -> str:
    return platform.python_version()


def platform_name() -> str:
    return f"{platform.system()}-{platform.machine()}"
