"""Where snippets and their outputs live in the repository.

A snippet is `snippets/<article>/<name>.py`; its committed result is
`snippets/<article>/outputs/<name>.json`.  Files whose name starts with `_` are
helper modules that snippets may import, not snippets themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OUTPUTS_FOLDER = "outputs"


@dataclass(frozen=True)
class Snippet:
    """One runnable snippet, named by its path relative to `snippets/`."""

    project: "Project"
    name: str  # e.g. "cross_entropy/worked_example.py"

    @property
    def path(self) -> Path:
        return self.project.snippets_dir / self.name

    @property
    def display_path(self) -> str:
        """The path a reader types: relative to the repository root."""
        return f"{self.project.snippets_dir.name}/{self.name}"

    @property
    def output_path(self) -> Path:
        article, _, filename = self.name.rpartition("/")
        folder = self.project.snippets_dir / article / OUTPUTS_FOLDER
        return folder / (filename[: -len(".py")] + ".json")


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def at(cls, root: str | Path) -> "Project":
        return cls(Path(root).resolve())

    @property
    def snippets_dir(self) -> Path:
        return self.root / "snippets"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache" / "snippet_engine"

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
            candidates = [Path.cwd() / path, self.root / path, self.snippets_dir / path]
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
        """Output files whose snippet no longer exists."""
        known = {s.output_path for s in self.snippets()}
        return sorted(p for p in self.snippets_dir.glob(f"*/{OUTPUTS_FOLDER}/*.json") if p not in known)

    def is_repo_file(self, path: str | Path) -> bool:
        """Whether a path is one of the project's own files (a dependency worth tracking).

        Set-up folders inside the checkout (.venv, node_modules, site) are not.
        """
        try:
            rel = Path(path).resolve().relative_to(self.root)
        except (ValueError, OSError):
            return False
        first = rel.parts[0] if rel.parts else ""
        if first.startswith(".") or first in {"node_modules", "site", "test-artifacts"}:
            return False
        return not any(part == "__pycache__" for part in rel.parts)
