"""Rewriting the built site's copies of Material's assets in place (after `mkdocs build` wrote them)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path


class BundleCodeNotFound(Exception):
    """Material's bundle no longer has the code an edit expects (an upgrade changed it)."""


def write_asset(site_dir: Path, name: str, source: Path) -> Path:
    """Copy one of this package's files into the built site as `name`; returns where it went."""
    target = site_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    return target


def bundles(site_dir: Path) -> list[Path]:
    """The site's copies of Material's script bundle."""
    return sorted((site_dir / "assets" / "javascripts").glob("bundle.*.min.js"))


def rewrite_each(paths: list[Path], rewrite: Callable[[str, str], str]) -> list[Path]:
    """Replace each file's text with `rewrite(text, file name)`; returns `paths`."""
    for path in paths:
        path.write_text(_rewritten(path.read_text(encoding="utf-8"), path.name, rewrite), encoding="utf-8")
    return paths


# Every build copies Material's assets into the site again, the same text each time, and each
# rewrite searches all of it (under `mkdocs serve`, 0.02-0.03 s a save): a rewrite's result is
# kept by what it was given. The rewrites are module-level pure functions of the text and the
# file's name; one that raises (its code not found) keeps nothing, so it raises again.
@functools.lru_cache(maxsize=32)
def _rewritten(text: str, name: str, rewrite: Callable[[str, str], str]) -> str:
    return rewrite(text, name)


def edit_bundles(site_dir: Path, edit: Callable[[str, str], str]) -> list[Path]:
    """Apply `edit(text, file name)` to the site's copies of Material's bundle; returns them.

    Raises BundleCodeNotFound when the site has no bundle (or when `edit` does not find its code)."""
    found = bundles(site_dir)
    if not found:
        raise BundleCodeNotFound(f"{site_dir}/assets/javascripts has no Material bundle")
    return rewrite_each(found, edit)
