"""Versions that decide whether an output is still valid, read without importing torch."""
from __future__ import annotations

import platform
from importlib import metadata


def torch_version() -> str | None:
    """The installed torch version, or None where only the docs dependencies are installed."""
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def python_version() -> str:
    return platform.python_version()


def platform_name() -> str:
    return f"{platform.system()}-{platform.machine()}"
