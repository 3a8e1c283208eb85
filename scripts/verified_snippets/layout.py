"""Where snippets, their outputs, pages and notebooks live in a project.

A snippet is `<snippets folder>/<article>/<name>.py`; its committed result is
`<snippets folder>/<article>/outputs/<name>.json`.  Files whose name starts
with `_` are helper modules that snippets may import, not snippets themselves.
The folders come from mkdocs.yml (`docs_dir`, and the verified-snippets
plugin's `snippets_dir` and `notebooks_dir`); `Project.at(root)` assumes the
defaults, for a project without a mkdocs.yml.
"""
from __future__ import annotations

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
        snippets = self.snippets()
        known = {s.output_path for s in snippets}
        records = sorted(p for p in self.snippets_dir.glob(f"*/{OUTPUTS_FOLDER}/*.json") if p not in known and not p.name.startswith("_"))
        # A figure is named `<snippet>.<figure>.svg`; the run that writes a record removes its snippet's old figures.
        stems = {(s.output_path.parent, s.output_path.stem) for s in snippets}
        figures = sorted(p for p in self.snippets_dir.glob(f"*/{OUTPUTS_FOLDER}/*.svg") if (p.parent, p.name.partition(".")[0]) not in stems)
        return records + figures

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
