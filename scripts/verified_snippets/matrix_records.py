"""What one snippet did in one environment of the matrix: a cell, kept beside the recorded output.

    snippets/<article>/outputs/<name>.json              the recorded output (what the pages show)
    snippets/<article>/outputs/<environment>/<name>.json   the same snippet in that environment

Why one file per cell, next to the record, rather than one matrix file: a run
of an environment, or a shard of it on another machine, writes only its own
files, so shards merge by copying and never conflict; `git diff` of one
environment's folder shows what changed there; and a cell sits where a reader
of the record looks. The engine's other readers (freshness, orphans,
reference checks) look only at `outputs/*.json`, so a cell can never change
what a page shows.

A cell is hash-checked like a record (an edit by hand or a truncated file is
caught), and says how it ended: it ran (with its output and values), it
failed (with the error), or it does not apply (a CPU-only snippet on a GPU).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .atomic_files import write_text_atomically
from .layout import OUTPUTS_FOLDER, Project, Snippet
from .output_records import CorruptRecord, content_hash, read_hashed, sha256_file

CELL_FORMAT = 1


class CellStatus(StrEnum):
    RAN = "ran"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


@dataclass
class Cell:
    environment: str
    snippet: str  # e.g. "cross_entropy/worked_example.py"
    status: CellStatus
    source_sha256: str  # of the source this cell was made from
    provenance: dict[str, str]  # torch, python, platform, processor (CPUID vendor), device, cpu_capability, and the GPU's model, driver and CUDA
    generated: str  # UTC date and time
    reason: str = ""  # FAILED: the error (`path:line: message`); NOT_APPLICABLE: the snippet's own reason
    seconds: float = 0.0
    dependencies: dict[str, str] = field(default_factory=dict)  # as in a record: repo file -> sha256
    stdout: str = ""
    chunks: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        body = {"format": CELL_FORMAT, **asdict(self), "status": str(self.status), "seconds": round(self.seconds, 4)}
        body["dependencies"] = dict(sorted(self.dependencies.items()))
        body["record_sha256"] = content_hash(body)
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cell:
        fields = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**{**fields, "status": CellStatus(data["status"])})


def cell_path(snippet: Snippet, environment: str) -> Path:
    record = snippet.output_path
    return record.parent / environment / record.name


def read_cell(path: Path) -> Cell:
    """Load and verify a cell; raises FileNotFoundError or CorruptRecord."""
    data = read_hashed(path, CELL_FORMAT, "a matrix cell", "matrix cells")
    try:
        return Cell.from_json(data)
    except (KeyError, TypeError, ValueError) as error:
        raise CorruptRecord(f"missing or bad field {error}") from None


def write_cell(path: Path, cell: Cell) -> None:
    write_text_atomically(path, json.dumps(cell.to_json(), indent=1, ensure_ascii=False) + "\n")


def changed_dependency(project: Project, dependencies: dict[str, str]) -> str | None:
    """The first repository file a run read that has changed since (None: none has)."""
    for dependency, digest in sorted(dependencies.items()):
        if sha256_file(project.root / dependency) != digest:
            return dependency
    return None


def environment_folders(project: Project) -> set[str]:
    """Names of the environments that have cells anywhere in the project."""
    return {path.name for path in project.snippets_dir.glob(f"*/{OUTPUTS_FOLDER}/*") if path.is_dir()}


def orphaned_cells(project: Project, environment: str) -> list[Path]:
    """Cells of `environment` whose snippet no longer exists."""
    known = {cell_path(s, environment) for s in project.snippets()}
    return sorted(p for p in project.snippets_dir.glob(f"*/{OUTPUTS_FOLDER}/{environment}/*.json") if p not in known)


def cells_on_disk(project: Project, environments: list[str], snippets: list[Snippet]) -> dict[str, set[str]]:
    """The paths (as text) of each environment's cell files: one listing per outputs folder and
    environment, not a look per snippet (a site of 500 snippets and six environments: 3,000 stats a load)."""
    folders = set(project.snippets_dir.glob(f"*/{OUTPUTS_FOLDER}")) | {snippet.output_path.parent for snippet in snippets}
    found: dict[str, set[str]] = {name: set() for name in environments}
    for folder in folders:
        for name in environments:
            try:
                with os.scandir(folder / name) as entries:
                    found[name].update(entry.path for entry in entries if entry.name.endswith(".json") and entry.is_file())
            except (FileNotFoundError, NotADirectoryError):
                continue
    return found


def cell_path_text(snippet: Snippet, environment: str) -> str:
    """`cell_path` as `cells_on_disk` writes it."""
    record = snippet.output_path
    return os.path.join(record.parent, environment, record.name)


def orphans_among(project: Project, cells: set[str], known: set[str]) -> list[Path]:
    """`orphaned_cells`, from `cells_on_disk`'s listing of one environment and the `cell_path_text`
    of every snippet of the project in it."""
    found = (Path(text) for text in cells if text not in known)
    return sorted(path for path in found if path.parent.parent.parent.parent == project.snippets_dir)
