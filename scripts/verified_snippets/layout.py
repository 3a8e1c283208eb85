"""Where snippets, their outputs, pages and notebooks live in a project.

A snippet is `<snippets folder>/<article>/<name>.py`; its committed result is
`<snippets folder>/<article>/outputs/<name>.json`.  Files whose name starts
with `_` are helper modules that snippets may import, not snippets themselves.
The folders come from mkdocs.yml (`docs_dir`, and the verified-snippets
plugin's `snippets_dir` and `notebooks_dir`); `Project.at(root)` assumes the
defaults, for a project without a mkdocs.yml.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

OUTPUTS_FOLDER = "outputs"
#: Folders at the top of a project that hold set-up or generated files, never a snippet's inputs.
IGNORED_FOLDERS = (".venv", ".git", ".cache", ".pytest_cache", "node_modules", "site", "test-artifacts")


@dataclass(frozen=True)
class Snippet:
    """One runnable snippet, named by its path relative to `snippets/`."""

    project: Project
    name: str  # e.g. "cross_entropy/worked_example.py"

    @property
    def path(self) -> Path:
        return self.project.snippets_dir / self.name

    @property
    def display_path(self) -> str:
        """The path a reader types: relative to the project root."""
        return self.project.display(self.project.snippets_dir / self.name)

    @property
    def output_path(self) -> Path:
        article, _, filename = self.name.rpartition("/")
        folder = self.project.snippets_dir / article / OUTPUTS_FOLDER
        return folder / (filename[: -len(".py")] + ".json")

    def figure_path(self, figure: str) -> Path:
        """`outputs/<name>.<figure>.svg`: a figure the snippet drew, beside its record."""
        return self.output_path.with_name(f"{self.output_path.stem}.{figure}.svg")


@dataclass(frozen=True)
class Project:
    root: Path
    snippets_dir: Path
    docs_dir: Path
    notebooks_folder: str = "notebooks"  # under docs_dir
    checks_folder: str = ""  # the reference checks package, absolute or under root; "": none

    @classmethod
    def at(cls, root: str | Path, snippets: str = "snippets", docs: str = "docs", notebooks: str = "notebooks", checks: str = "") -> Project:
        root = Path(root).resolve()
        return cls(root, root / snippets, root / docs, notebooks, checks)

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache" / "verified_snippets"

    @property
    def notebooks_dir(self) -> Path:
        return self.docs_dir / self.notebooks_folder

    @property
    def checks_dir(self) -> Path | None:
        """The package of reference checks (see reference_checks), if the site has one."""
        return self.root / self.checks_folder if self.checks_folder else None

    def display(self, path: Path) -> str:
        """A path as a reader names it: relative to the project root where it is inside.

        `path` is absolute, like every path a Project holds (resolved once, when it is made).
        """
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def snippet(self, name: str) -> Snippet:
        return Snippet(self, name)

    def snippets(self) -> list[Snippet]:
        if not self.snippets_dir.is_dir():
            return []
        found = []
        for path in sorted(self.snippets_dir.glob("*/*.py")):
            if path.name.startswith("_") or path.parent.name.startswith((".", "_")):
                continue
            found.append(Snippet(self, path.relative_to(self.snippets_dir).as_posix()))
        return found

    def resolve_snippet(self, given: str) -> Snippet:
        """Accept `snippets/a/b.py`, `a/b.py` or an absolute path."""
        path = Path(given)
        if not path.is_absolute():
            candidates = [self.root / path, self.snippets_dir / path, Path.cwd() / path]
            path = next((c for c in candidates if c.is_file()), candidates[-1])
        path = path.resolve()
        try:
            name = path.relative_to(self.snippets_dir).as_posix()
        except ValueError:
            raise ValueError(f"{given}: not a snippet under {self.snippets_dir}") from None
        if not path.is_file():
            raise ValueError(f"{given}: no such snippet")
        return Snippet(self, name)

    def orphaned_outputs(self) -> list[Path]:
        """Output files (records, figures) whose snippet no longer exists (`_`-named files record a whole folder, not a snippet)."""
        snippets = {s.name for s in self.snippets()}
        records, figures = [], []
        # os.scandir rather than pathlib's glob: a warm check lists every outputs
        # folder, and at 500 snippets globbing and comparing Paths cost 80 ms.
        for folder in _entries(self.snippets_dir, directories=True):
            outputs = self.snippets_dir / folder / OUTPUTS_FOLDER
            for name in _entries(outputs, directories=False):
                stem = name.partition(".")[0]
                if name.endswith(".json") and not name.startswith("_") and f"{folder}/{name[: -len('.json')]}.py" not in snippets:
                    records.append(outputs / name)
                elif name.endswith(".svg") and f"{folder}/{stem}.py" not in snippets:
                    # `<snippet>.<figure>.svg`: the run that writes a record removes its snippet's old figures.
                    figures.append(outputs / name)
        return sorted(records) + sorted(figures)

    def is_repo_file(self, path: str | Path) -> bool:
        """Whether a path is one of the project's own files (a dependency worth tracking).

        Set-up folders inside the checkout (.venv, node_modules, site) are not.
        """
        try:
            rel = Path(path).resolve().relative_to(self.root)
        except (ValueError, OSError):
            return False
        if rel.parts and rel.parts[0] in IGNORED_FOLDERS:
            return False
        return not any(part == "__pycache__" for part in rel.parts)


def _entries(folder: Path, *, directories: bool) -> list[str]:
    """The names of `folder`'s subfolders, or of its other entries; none where it is missing."""
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.is_dir() == directories]
    except (FileNotFoundError, NotADirectoryError):
        return []
