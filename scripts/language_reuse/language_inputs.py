"""A digest of everything one language's build reads: when it is unchanged, so is what the build writes.

The build of a further language (with mkdocs-static-i18n's suffix layout) reads:

* every file under the docs folder except the first language's pages that have
  a page of their own in this language (`page.md` beside `page.zh.md`): its own
  pages, the shared files (notebooks, assets, templates), and any first-language
  page it falls back to;
* mkdocs.yml, and the settings the build was given (the site's address);
* what the other plugins hold from the first language's build, each as the text
  its `other_language_inputs()` gives (the engine: its snippets, outputs,
  checks and which page shows each output; KaTeX: the formulas in use, whose
  characters the shared math font holds).

Anything else it reads comes from installed packages, which do not change
while `mkdocs serve` runs. Files are read by content, so a save that leaves a
file as it was (or an editor's touch) changes nothing.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

SKIPPED_FOLDERS = {"__pycache__", ".git"}


def is_first_language_page(relative: str, locale: str, names: set[str]) -> bool:
    """`page.md` (no language suffix) whose `page.<locale>.md` is in `names`."""
    folder, _, name = relative.rpartition("/")
    if not name.endswith(".md") or name.count(".") != 1:
        return False
    twin = f"{name[:-3]}.{locale}.md"
    return (f"{folder}/{twin}" if folder else twin) in names


def docs_files(docs_dir: Path) -> list[str]:
    found = []
    for folder, subfolders, files in os.walk(docs_dir):
        subfolders[:] = sorted(name for name in subfolders if name not in SKIPPED_FOLDERS)
        base = os.path.relpath(folder, docs_dir)
        found += [name if base == "." else f"{base}/{name}".replace(os.sep, "/") for name in files]
    return sorted(found)


def digest(locale: str, docs_dir: Path, config_file: Path | None, settings: Iterable[str], plugin_inputs: Iterable[str]) -> str:
    """The inputs of `locale`'s build, as one hex digest."""
    hashed = hashlib.sha256()

    def add(part: bytes) -> None:
        hashed.update(len(part).to_bytes(8, "little"))
        hashed.update(part)

    add(locale.encode())
    names = docs_files(docs_dir)
    known = set(names)
    for relative in names:
        if is_first_language_page(relative, locale, known):
            continue
        add(relative.encode("utf-8", "surrogateescape"))
        try:
            add((docs_dir / relative).read_bytes())
        except OSError:
            add(b"\0unreadable")
    try:
        add(config_file.read_bytes() if config_file else b"")
    except OSError:
        add(b"\0unreadable")
    for text in [*settings, *plugin_inputs]:
        add(text.encode("utf-8", "surrogatepass"))
    return hashed.hexdigest()
