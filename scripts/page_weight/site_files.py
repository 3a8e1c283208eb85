"""Rewriting the built site's copies of Material's assets in place (after `mkdocs build` wrote them)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def rewrite_each(paths: list[Path], rewrite: Callable[[str, str], str]) -> list[Path]:
    """Replace each file's text with `rewrite(text, file name)`; returns `paths`."""
    for path in paths:
        path.write_text(rewrite(path.read_text(encoding="utf-8"), path.name), encoding="utf-8")
    return paths
