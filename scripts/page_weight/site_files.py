"""Rewriting the built site's copies of Material's assets in place (after `mkdocs build` wrote them)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class BundleCodeNotFound(Exception):
    """Material's bundle no longer has the code an edit expects (an upgrade changed it)."""


def bundles(site_dir: Path) -> list[Path]:
    """The site's copies of Material's script bundle."""
    return sorted((site_dir / "assets" / "javascripts").glob("bundle.*.min.js"))


def rewrite_each(paths: list[Path], rewrite: Callable[[str, str], str]) -> list[Path]:
    """Replace each file's text with `rewrite(text, file name)`; returns `paths`."""
    for path in paths:
        path.write_text(rewrite(path.read_text(encoding="utf-8"), path.name), encoding="utf-8")
    return paths
