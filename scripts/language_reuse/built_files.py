"""The files one language's build wrote into the site folder, kept to be written back unchanged.

A build writes its own pages (`zh/...`) and also rewrites a few shared files
after the first language did (the math font, with every language's characters;
the search index, rewritten once more after the last language). What is kept
is what the build left different from before it: every new or rewritten file,
with its bytes, and every file it removed. Putting them back leaves the folder
as that build left it, provided the first language's build wrote the same
files this time (the digest of the language's inputs says so).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from verified_snippets.atomic_files import version_of

#: A file as the folder listing sees it (atomic_files.version_of).
Stat = tuple[int, int, int]


def listing(site_dir: Path) -> dict[str, Stat]:
    """Every file under `site_dir`, by its path relative to it."""
    found: dict[str, Stat] = {}
    stack = [site_dir]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                found[os.path.relpath(entry.path, site_dir)] = version_of(entry.stat(follow_symlinks=False))
    return found


@dataclass
class BuiltFiles:
    """What a build changed under the site folder."""

    written: dict[str, bytes] = field(default_factory=dict)  # relative path -> the bytes it left
    removed: list[str] = field(default_factory=list)

    @classmethod
    def since(cls, site_dir: Path, before: dict[str, Stat]) -> BuiltFiles:
        after = listing(site_dir)
        written = {path: (site_dir / path).read_bytes() for path, stat in sorted(after.items()) if before.get(path) != stat}
        return cls(written, sorted(set(before) - set(after)))

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.written.values())

    def put_back(self, site_dir: Path) -> None:
        for path, data in self.written.items():
            target = site_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for path in self.removed:
            (site_dir / path).unlink(missing_ok=True)
