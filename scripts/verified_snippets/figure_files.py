"""A snippet's figures on disk: one SVG file per figure beside its record, and what the record keeps of each.

The SVG is a file of its own, `outputs/<snippet>.<figure>.svg`, rather than a
string inside the JSON record: a reviewer reads a changed figure as a diff of
a few coordinates (one element per line) or opens it on GitHub, and the page
build reads only the figures it shows. The record keeps each file's SHA-256,
so a hand-edited, missing or half-written figure makes the output stale, as an
edited record does. Files are written before their record, each atomically: a
run killed in between leaves a new figure under an old record, which the hash
then reports as stale, and the next run redoes.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .atomic_files import write_text_atomically
from .layout import Snippet
from .output_records import OutputRecord, sha256_bytes, sha256_file

#: The size a figure should stay under (the SVG file, in bytes); a larger one is a build warning.
BUDGET_BYTES = 60_000


@dataclass(frozen=True)
class FigureEntry:
    """One figure as its record lists it."""

    name: str
    section: str | None  # the section that left it open; None: code between sections
    line: int  # the statement that opened it
    region_first_line: int  # first line of its region (the notebook cell)
    file: str  # beside the record
    sha256: str
    bytes: int
    alt: dict[str, str] = field(default_factory=dict)  # language -> alt text
    text: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> {drawn text: translation}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FigureEntry:
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def entries(record: OutputRecord | None) -> list[FigureEntry]:
    return [FigureEntry.from_json(data) for data in record.figures] if record is not None else []


def describe_figures(snippet: Snippet, figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record's entries for the captured figures: file name, hash and size of each SVG."""
    described = []
    for figure in figures:
        data = figure["svg"].encode("utf-8")
        details = {key: value for key, value in figure.items() if key != "svg"}
        described.append(FigureEntry(**details, file=snippet.figure_path(figure["name"]).name, sha256=sha256_bytes(data), bytes=len(data)).to_json())
    return described


def write_figures(snippet: Snippet, figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write each captured figure's SVG beside the snippet's record; returns the record's entries."""
    for figure in figures:
        write_text_atomically(snippet.figure_path(figure["name"]), figure["svg"])
    return describe_figures(snippet, figures)


def remove_other_figures(snippet: Snippet, keep: list[dict[str, Any]]) -> None:
    """Figures of an earlier run of the snippet that this run did not draw (renamed or removed)."""
    kept = {entry["file"] for entry in keep}
    folder = snippet.output_path.parent
    for path in folder.glob(f"{snippet.output_path.stem}.*.svg"):
        if path.name not in kept:
            path.unlink(missing_ok=True)


def stale_reason(snippet: Snippet, record: OutputRecord) -> str | None:
    """Why the record's figures are not what it says (missing, edited, half-written), or None."""
    folder = snippet.output_path.parent
    for entry in entries(record):
        digest = sha256_file(folder / entry.file)
        if digest is None:
            return f"figure {entry.file} is missing"
        if digest != entry.sha256:
            return f"figure {entry.file} changed; figures are generated, never edited by hand"
    return None


def read_svg(snippet: Snippet, entry: FigureEntry) -> str:
    return (snippet.output_path.parent / entry.file).read_text(encoding="utf-8")
